import Hummingbird

/// The paths and methods a router serves, read from its registrations, so a request the
/// router does not serve is told apart as 405 (a served path, another method) or 404.
struct RouteTable: Sendable {
    private let routes: [(path: RouterPath, method: HTTPRequest.Method)]

    init(_ router: Router<InstanceRequestContext>) {
        routes = router.routes.map { ($0.path, $0.method) }
    }

    /// The methods served on `path` (`/v1/tasks/SKL-0001`); empty for a path nobody serves.
    ///
    /// Like the router's trie, a literal segment wins over a capture: `/v1/records/query`
    /// is the query route's path only, not also `/v1/records/:id`'s.
    func methods(on path: String) -> [HTTPRequest.Method] {
        let segments = path.split(separator: "/")
        let matching = routes.compactMap { route -> (literals: [Bool], method: HTTPRequest.Method)? in
            guard route.path.count == segments.count, zip(route.path, segments).allSatisfy({ $0 ~= $1 }) else { return nil }
            return (zip(route.path, segments).map { $0 == $1 }, route.method)
        }
        guard let best = matching.map(\.literals).max(by: { $0.lexicographicallyPrecedes($1) { !$0 && $1 } }) else { return [] }
        return matching.filter { $0.literals == best }.map(\.method)
    }
}
