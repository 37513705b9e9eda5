/// The admin token every test daemon is started with (`SPL_BOOTSTRAP_TOKEN`), so the test
/// daemons authenticate TCP clients as a deployed one does and the fixtures' TCP helpers send it.
/// Fixed, so the Python scripts beside the tests use the same text.
public enum TestToken {
    public static let bootstrap = "spl_prod_sa_7e57700000000001_" + String(repeating: "5eed", count: 16)
    public static let bootstrapAccount = "sa_7e57700000000001"
}
