import Foundation

/// What every measure shares: the sizes, the `spl` under test, the scratch folder, and the
/// instances started so far, which `cleanUp` stops whatever happened (failure or Ctrl-C).
final class BenchRun: @unchecked Sendable {
    let sizes: BenchSizes
    let root: String
    let spl: SPLBinary
    private let keep: Bool
    private let portBase: Int?
    private let lock = NSLock()
    private var instances: [ScratchInstance] = []
    private var removals: [@Sendable () -> Void] = []
    private var cleanedUp = false

    init(sizes: BenchSizes, root: String, spl: SPLBinary, keep: Bool, portBase: Int?) {
        self.sizes = sizes
        self.root = root
        self.spl = spl
        self.keep = keep
        self.portBase = portBase
    }

    /// A new scratch instance named `name`, on the next port of `--port-base` or a free one;
    /// `storeURL` puts its store in that PostgreSQL database.
    func instance(_ name: String, storeURL: String? = nil) throws -> ScratchInstance {
        let index = lock.withLock { instances.count }
        let port = try portBase.map { $0 + index } ?? FreePort.next()
        let instance = try ScratchInstance(name: name, root: root, port: port, spl: spl, storeURL: storeURL)
        lock.withLock { instances.append(instance) }
        return instance
    }

    /// Something the run made outside its folder (a scratch database), removed by `cleanUp`
    /// after the daemons stop; kept with `--keep`, as the folder is.
    func removeAtCleanUp(_ removal: @escaping @Sendable () -> Void) {
        lock.withLock { removals.append(removal) }
    }

    /// Stops every daemon this run started, then removes the scratch folder and whatever
    /// `removeAtCleanUp` named (unless `--keep`).
    /// Runs once; a second caller (the signal handler racing the main thread) waits for it.
    func cleanUp() {
        lock.lock()
        defer { lock.unlock() }
        guard !cleanedUp else { return }
        cleanedUp = true
        for instance in instances {
            instance.tearDown()
        }
        if keep {
            Progress.say("kept \(root)")
        } else {
            try? FileManager.default.removeItem(atPath: root)
            removals.forEach { $0() }
        }
    }
}
