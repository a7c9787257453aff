package trackerd.config;

/** Which info hashes the tracker serves. */
public enum AccessMode {
    /** Every info hash. */
    OFF,
    /** Only the hashes in the list. */
    ALLOW,
    /** Every hash but those in the list. */
    DENY
}
