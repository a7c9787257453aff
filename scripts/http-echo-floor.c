// The floor under any HTTP tracker on this kernel, for scripts/bench-http-vs-opentracker.sh (FLOOR=1):
// one thread, level-triggered epoll, and for every keep-alive request head (a blank line seen in
// what recv(2) returned) the fixed announce reply of tracker-loadtest's http-echo through send(2).
// No parsing, no swarm, no JVM, no Netty: what is left of a tracker's cost per request is the
// kernel's TCP work and two system calls. It is a measuring instrument, not a server: it ignores
// heads split across reads (wrk never splits one) and answers only 127.0.0.1.
//
//   cc -O2 -o http-echo-floor scripts/http-echo-floor.c && ./http-echo-floor PORT
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

// the same reply as tracker-loadtest's http-echo (HttpEchoServer)
static const char BODY[] = "d8:completei1e10:downloadedi0e10:incompletei1e8:intervali1800e"
                           "12:min intervali900e5:peers12:abcdefghijkle";

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s PORT\n", argv[0]);
        return 2;
    }
    char reply[256];
    int body = (int) sizeof BODY - 1;
    int length = snprintf(reply, sizeof reply,
                          "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n", body);
    memcpy(reply + length, BODY, body);
    length += body;

    int one = 1;
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[1])),
                                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(listener, (struct sockaddr *) &address, sizeof address) != 0 || listen(listener, 1024) != 0) {
        perror("http-echo-floor: bind/listen");
        return 1;
    }
    int poll = epoll_create1(0);
    struct epoll_event event = {.events = EPOLLIN, .data.fd = listener};
    epoll_ctl(poll, EPOLL_CTL_ADD, listener, &event);

    static char in[65536];
    struct epoll_event ready[512];
    for (;;) {
        int n = epoll_wait(poll, ready, 512, -1);
        for (int i = 0; i < n; i++) {
            int fd = ready[i].data.fd;
            if (fd == listener) {
                int client;
                while ((client = accept4(listener, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    struct epoll_event readable = {.events = EPOLLIN, .data.fd = client};
                    epoll_ctl(poll, EPOLL_CTL_ADD, client, &readable);
                }
                continue;
            }
            ssize_t got = recv(fd, in, sizeof in, 0);
            if (got <= 0) {
                close(fd); // also leaves the epoll set
                continue;
            }
            for (ssize_t j = 2; j < got; j++) {
                if (in[j] == '\n' && in[j - 1] == '\r' && in[j - 2] == '\n') send(fd, reply, length, MSG_NOSIGNAL);
            }
        }
    }
}
