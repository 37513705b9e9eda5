import SyncropelHome

extension HomeLock {
    /// Takes the home lock for a command that works on the files while no daemon runs;
    /// a running (or starting) daemon is refused with `refusal(owner)`, where owner is
    /// `spl serve (pid N)`.
    static func acquireWithoutDaemon(_ home: HomeLayout, refusal: (String) -> String) throws -> HomeLock {
        do {
            return try HomeLock.acquire(home)
        } catch {
            guard case .locked(_, let pid) = error else { throw error }
            throw OperatorError(refusal(pid.map { "spl serve (pid \($0))" } ?? "spl serve"))
        }
    }
}
