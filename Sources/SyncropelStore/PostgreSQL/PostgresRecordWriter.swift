import PostgresNIO

/// The PostgreSQL store's one writer: concurrent ingest requests that arrive while a commit is
/// running are grouped into the next commit (`IngestQueue`), on one dedicated connection.
final class PostgresRecordWriter: Sendable {
    private let connection: PostgresConnectionPool
    private let url: String
    private let commits: CommitNotifier
    private let requests: IngestQueue
    private let assignmentFloor: Int64?

    /// `connection` is a pool of one: the writer's own connection, opened again after a failure.
    init(connection: PostgresConnectionPool, url: String, commits: CommitNotifier, assignmentFloor: Int64?) {
        self.connection = connection
        self.assignmentFloor = assignmentFloor
        self.url = url
        self.commits = commits
        requests = IngestQueue(path: url)
    }

    func submit(_ request: IngestRequest) async throws -> [IngestResult] {
        try await requests.submit(request) { Task { await self.commitPending() } }
    }

    /// Refuses new requests and returns once every accepted one is committed or failed;
    /// false when the writer was already closed.
    func close() async -> Bool {
        await requests.close()
    }

    /// Commits what is pending, again and again, until nothing is.
    private func commitPending() async {
        repeat {
            while let group = requests.takeGroup() {
                let outcomes = await commit(group.map(\.request))
                for (item, outcome) in zip(group, outcomes) {
                    item.resume(with: outcome)
                }
            }
        } while !requests.becomeIdle()
    }

    /// One transaction for `requests`; announces the highest sequence it created.
    private func commit(_ requests: [IngestRequest]) async -> [Result<[IngestResult], any Error>] {
        let (url, floor) = (url, assignmentFloor)
        do {
            let outcomes = try await connection.withConnection { connection in
                var commit = PostgresGroupCommit(url: url, connection: connection, floor: floor)
                return try await commit.run(requests)
            }
            commits.announce(CommitNotifier.created(outcomes))
            return outcomes
        } catch {
            return requests.map { _ in .failure(error) }
        }
    }
}
