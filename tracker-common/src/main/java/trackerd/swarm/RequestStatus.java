package trackerd.swarm;

/** How a {@link SwarmRequest} was answered. */
public enum RequestStatus {
    OK,
    /** A new torrent was refused: the shard holds {@code limits.max_torrents} / shards already. */
    TOO_MANY_TORRENTS,
    /** A new peer was refused: the swarm holds {@code limits.max_peers_per_torrent} already. */
    TOO_MANY_PEERS,
    /** A new torrent was refused: its source address used up its budget ({@code limits.new_torrents_per_address_*}). */
    TOO_MANY_NEW_TORRENTS,
    /** A new peer was refused: the tracker holds {@code limits.max_peers} peers. */
    TRACKER_FULL_OF_PEERS,
    /** A swarm queue was full: nothing was done (UDP drops, HTTP/WS answer "tracker busy"). */
    BUSY,
    /** The swarm worker failed on this request (a bug: counted and logged once per stack). */
    INTERNAL_ERROR,
    /** WebTorrent: the peer id is held in this swarm by another open connection (no takeover). */
    PEER_ID_TAKEN,
    /** WebTorrent: this connection already holds another peer id in this swarm (one per torrent). */
    ONE_PEER_ID_PER_TORRENT
}
