import NIOPosix

/// The threads that wait on the disk: atomic writes of variants and of staged frames, each with its syncs.
///
/// Apart from the worker's pixel threads and from `NIOThreadPool.singleton` (where the database's statements run):
/// a sync takes a core's thread for a millisecond or more while the core itself has nothing to do, so pixel work
/// goes on elsewhere and no commit waits behind a sync. One per process, started on first use.
enum DurableWrites {
    static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 4)
        pool.start()
        return pool
    }()
}
