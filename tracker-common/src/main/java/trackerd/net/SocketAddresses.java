package trackerd.net;

import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/** Parses and prints "IP:PORT" and "[IPv6]:PORT" without ever asking DNS. */
public final class SocketAddresses {
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private SocketAddresses() {}

    public static InetSocketAddress parse(String text) {
        String host;
        String port;
        if (text.startsWith("[")) {
            int close = text.indexOf("]:");
            if (close < 0) throw bad(text);
            host = text.substring(1, close);
            port = text.substring(close + 2);
        } else {
            int colon = text.lastIndexOf(':');
            if (colon < 0 || text.indexOf(':') != colon) throw bad(text);
            host = text.substring(0, colon);
            port = text.substring(colon + 1);
        }
        return new InetSocketAddress(parseIp(host, text), parsePort(port, text));
    }

    /** A literal IPv4 or IPv6 address (IPv6 without brackets). */
    public static InetAddress parseIp(String host, String context) {
        boolean literal = IPV4.matcher(host).matches() || (host.contains(":") && host.matches("[0-9a-fA-F:.]+"));
        if (!literal) {
            throw new IllegalArgumentException("\"" + context + "\" is not an IP literal (host names are not resolved)");
        }
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("\"" + context + "\" is not a valid IP address");
        }
    }

    private static int parsePort(String port, String text) {
        try {
            int value = Integer.parseInt(port);
            if (value < 0 || value > 65535) {
                throw new IllegalArgumentException("port " + value + " in \"" + text + "\" is out of range 0-65535");
            }
            return value;
        } catch (NumberFormatException e) {
            throw bad(text);
        }
    }

    private static IllegalArgumentException bad(String text) {
        return new IllegalArgumentException("\"" + text + "\" is not IP:PORT (e.g. 0.0.0.0:6969 or [::]:6969)");
    }

    /** The form {@link #parse} accepts: 1.2.3.4:80 or [::1]:80. */
    public static String format(InetSocketAddress address) {
        String ip = NetUtil.toAddressString(address.getAddress());
        return (ip.contains(":") ? "[" + ip + "]" : ip) + ":" + address.getPort();
    }
}
