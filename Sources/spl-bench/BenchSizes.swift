/// How much each measure does: SPEC 12's sizes, or small ones that keep `--quick`
/// under a minute even against a debug `spl`, so the benchmark can run in CI and never rot.
struct BenchSizes {
    let singleOneClient: Int
    let singleFourClients: Int
    let batchIngest: Int
    let batchSize: Int
    let threadRecords: Int
    let threadPage: Int
    let threadReads: Int
    let knowRuns: Int
    let mediumStore: Int
    let largeStore: Int
    /// The size `backup verify`'s 10 s budget is written for.
    let verifyBudgetRecords: Int

    static let full = BenchSizes(
        singleOneClient: 20_000, singleFourClients: 60_000, batchIngest: 200_000, batchSize: 1000,
        threadRecords: 10_000, threadPage: 1000, threadReads: 50, knowRuns: 50,
        mediumStore: 100_000, largeStore: 1_000_000, verifyBudgetRecords: 1_000_000)

    static let quick = BenchSizes(
        singleOneClient: 1000, singleFourClients: 4000, batchIngest: 20_000, batchSize: 1000,
        threadRecords: 10_000, threadPage: 1000, threadReads: 10, knowRuns: 10,
        mediumStore: 2000, largeStore: 20_000, verifyBudgetRecords: 1_000_000)

    /// `100k`, `1M`, `2k`: record counts as the measure names show them.
    static func short(_ count: Int) -> String {
        if count >= 1_000_000, count % 1_000_000 == 0 { return "\(count / 1_000_000)M" }
        if count >= 1000, count % 1000 == 0 { return "\(count / 1000)k" }
        return String(count)
    }
}
