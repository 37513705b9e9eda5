/// The PostgreSQL advisory lock keys spl takes, in one place so no two uses collide.
///
/// Advisory locks are per database: every daemon on one database takes the same keys.
/// Each key is a fixed 64-bit number (the ASCII of a short name), far from small numbers
/// that other software on a shared database might pick.
enum PostgresLocks {
    /// `pg_advisory_xact_lock`, first thing in every write transaction: two daemons writing to
    /// one database take turns, so sequences (max + 1) are never handed out twice. ASCII "spl.wrte".
    static let writer: Int64 = 0x73_70_6C_2E_77_72_74_65
    /// `pg_advisory_xact_lock` around schema creation, so two daemons starting at once on an
    /// empty database do not both create it. ASCII "spl.schm".
    static let schema: Int64 = 0x73_70_6C_2E_73_63_68_6D
    /// Held for the whole session by the active daemon of an active/standby group (taken by
    /// the server, not the store). ASCII "spl.actv".
    package static let active: Int64 = 0x73_70_6C_2E_61_63_74_76
}
