extension HomeConfig {
    /// The store file: the path of `[store] url` (`sqlite://<path>`, made absolute), else
    /// `<home>/hub.db`; nil when the URL names another kind of store.
    public func storePath(in home: HomeLayout) -> String? {
        guard let url = store.url else { return home.storeFile }
        let scheme = "sqlite://"
        guard url.hasPrefix(scheme) else { return nil }
        return HomeLayout(root: String(url.dropFirst(scheme.count))).root
    }
}
