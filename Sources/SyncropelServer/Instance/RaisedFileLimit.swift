import Glibc

/// Raises the soft limit on open files to the hard limit: the default soft limit (1024
/// here) is below the connections and watches the daemon is configured to hold, and a
/// daemon out of descriptors cannot even open its store.
enum RaisedFileLimit {
    static func apply() {
        var limit = rlimit()
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        guard getrlimit(resource, &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(resource, &limit)
    }
}
