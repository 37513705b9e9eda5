import Foundation
import SyncropelHome
import Testing
@testable import SyncropelReplica

struct S3CredentialsTests {
    /// A home in a fresh temporary folder with its secrets/ folder; removed by `remove()`.
    struct ScratchHome {
        let home = HomeLayout(root: FileManager.default.temporaryDirectory.path + "/spl-s3-credentials-\(UUID().uuidString)")

        init() throws {
            try home.create()
        }

        var file: String { S3Credentials.filePath(in: home) }

        func write(_ text: String, mode: mode_t) throws {
            try Data(text.utf8).write(to: URL(fileURLWithPath: file))
            #expect(chmod(file, mode) == 0)
        }

        func remove() {
            try? FileManager.default.removeItem(atPath: home.root)
        }
    }

    static let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

    @Test func theEnvironmentComesFirst() throws {
        let scratch = try ScratchHome()
        defer { scratch.remove() }
        try scratch.write("aws_access_key_id = FROMFILE\naws_secret_access_key = x\n", mode: 0o600)
        let credentials = try S3Credentials.load(
            environment: ["AWS_ACCESS_KEY_ID": "AKIAENVIRONMENT1", "AWS_SECRET_ACCESS_KEY": Self.secret, "AWS_SESSION_TOKEN": "tok"],
            home: scratch.home)
        #expect(credentials.accessKeyID == "AKIAENVIRONMENT1")
        #expect(credentials.secretAccessKey == Self.secret)
        #expect(credentials.sessionToken == "tok")
        #expect(credentials.source == .environment)
    }

    @Test func theFileServesWhenTheEnvironmentIsEmpty() throws {
        let scratch = try ScratchHome()
        defer { scratch.remove() }
        try scratch.write("""
            # S3 replica credentials
              aws_access_key_id =  AKIAFROMFILE0001

            aws_secret_access_key=\(Self.secret)
            """, mode: 0o600)
        let credentials = try S3Credentials.load(
            environment: ["AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""], home: scratch.home)
        #expect(credentials.accessKeyID == "AKIAFROMFILE0001")
        #expect(credentials.secretAccessKey == Self.secret)
        #expect(credentials.sessionToken == nil)
        #expect(credentials.source == .file(path: scratch.file))
    }

    @Test func aFileOthersCanReadIsRefusedWithTheChmodToRun() throws {
        let scratch = try ScratchHome()
        defer { scratch.remove() }
        try scratch.write("aws_access_key_id = AKIAFROMFILE0001\naws_secret_access_key = \(Self.secret)\n", mode: 0o644)
        #expect(throws: S3CredentialsError.tooOpen(path: scratch.file, mode: 0o644)) {
            try S3Credentials.load(environment: [:], home: scratch.home)
        }
        #expect(S3CredentialsError.tooOpen(path: scratch.file, mode: 0o644).description
            == "S3 credentials file \(scratch.file) has mode 0644, open to group or others; fix it with: chmod 600 \(scratch.file)")
    }

    @Test func noCredentialsAnywhereSaysBothWays() throws {
        let scratch = try ScratchHome()
        defer { scratch.remove() }
        #expect(throws: S3CredentialsError.missing(path: scratch.file)) {
            try S3Credentials.load(environment: [:], home: scratch.home)
        }
        #expect(S3CredentialsError.missing(path: "/h/secrets/aws-credentials").description
            == "no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the daemon's environment,"
            + " or write /h/secrets/aws-credentials (chmod 600) with the lines 'aws_access_key_id = …' and 'aws_secret_access_key = …'")
    }

    @Test func halfAKeyInTheEnvironmentIsRefused() throws {
        let scratch = try ScratchHome()
        defer { scratch.remove() }
        #expect(throws: S3CredentialsError.halfInEnvironment(missing: "AWS_SECRET_ACCESS_KEY", file: scratch.file)) {
            try S3Credentials.load(environment: ["AWS_ACCESS_KEY_ID": "AKIA1"], home: scratch.home)
        }
        #expect(throws: S3CredentialsError.halfInEnvironment(missing: "AWS_ACCESS_KEY_ID", file: scratch.file)) {
            try S3Credentials.load(environment: ["AWS_SECRET_ACCESS_KEY": Self.secret], home: scratch.home)
        }
        #expect(S3CredentialsError.halfInEnvironment(missing: "AWS_ACCESS_KEY_ID", file: "/h/secrets/aws-credentials").description
            == "AWS_ACCESS_KEY_ID is not set but the other AWS credential variable is; set both AWS_ACCESS_KEY_ID and"
            + " AWS_SECRET_ACCESS_KEY in the daemon's environment, or neither to use /h/secrets/aws-credentials")
    }

    /// Each malformed file names its line and never echoes what is on it: a line without
    /// its name may be the secret itself.
    @Test(arguments: [
        (S3CredentialsTests.secret + "\n", 1, "it has no '='"),
        ("aws_access_key_id = A\n\(S3CredentialsTests.secret)=x\n", 2, "its name is not one of aws_access_key_id, aws_secret_access_key, aws_session_token"),
        ("aws_access_key_id = A\naws_access_key_id = B\n", 2, "aws_access_key_id is given a second time"),
        ("aws_access_key_id = A\naws_secret_access_key =\n", 2, "aws_secret_access_key has an empty value"),
    ])
    func aMalformedLineIsNamedButNotQuoted(text: String, line: Int, reason: String) throws {
        let scratch = try ScratchHome()
        defer { scratch.remove() }
        try scratch.write(text, mode: 0o600)
        let error = #expect(throws: S3CredentialsError.self) { try S3Credentials.load(environment: [:], home: scratch.home) }
        #expect(error == .malformed(path: scratch.file, line: line, reason: reason))
        #expect(error?.description == "S3 credentials file \(scratch.file) line \(line) is not valid: \(reason);"
            + " write 'name = value' lines for aws_access_key_id, aws_secret_access_key and optionally aws_session_token")
        #expect(error?.description.contains(Self.secret) == false)
    }

    @Test func aFileThatCannotBeReadSaysWhy() throws {
        let scratch = try ScratchHome()
        defer { scratch.remove() }
        try FileManager.default.createDirectory(atPath: scratch.file, withIntermediateDirectories: false)
        let error = #expect(throws: S3CredentialsError.self) { try S3Credentials.load(environment: [:], home: scratch.home) }
        #expect(error == .unreadable(.fileSystem(action: "read", path: scratch.file, errno: EISDIR)))
        #expect(error?.description == "S3 credentials: cannot read \(scratch.file): Is a directory; check the path and retry")
    }

    @Test func aFileWithoutTheSecretIsRefused() throws {
        let scratch = try ScratchHome()
        defer { scratch.remove() }
        try scratch.write("aws_access_key_id = A\n", mode: 0o600)
        #expect(throws: S3CredentialsError.malformed(path: scratch.file, line: nil, reason: "it has no aws_secret_access_key line")) {
            try S3Credentials.load(environment: [:], home: scratch.home)
        }
    }

    /// Printing, interpolating, debug-printing and dumping show where the key came from,
    /// never the secret or the session token.
    @Test func noWayOfPrintingRevealsTheSecret() {
        let credentials = S3Credentials(
            accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: Self.secret, sessionToken: "session-token-value",
            source: .file(path: "/h/secrets/aws-credentials"))
        var dumped = ""
        dump(credentials, to: &dumped)
        let renderings = [
            credentials.description, "\(credentials)", String(describing: credentials), String(reflecting: credentials),
            credentials.debugDescription, dumped, "\([credentials])",
        ]
        for rendering in renderings {
            #expect(!rendering.contains(Self.secret), "\(rendering)")
            #expect(!rendering.contains("session-token-value"), "\(rendering)")
            #expect(!rendering.contains("AKIAIOSFODNN7EXAMPLE"), "\(rendering)")
        }
        #expect(credentials.description == "S3 access key …MPLE from /h/secrets/aws-credentials with a session token")
    }
}
