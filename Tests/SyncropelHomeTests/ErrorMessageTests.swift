import Foundation
import Testing

@testable import SyncropelHome

/// The one-line operator messages, word for word: each names the path and what to do.
@Suite struct ErrorMessageTests {
    @Test func homeErrors() {
        #expect(HomeError.noHomeDirectory.description
            == "neither SYNCROPEL_HOME nor HOME is set; set SYNCROPEL_HOME to the instance home folder")
        #expect(HomeError.noBackupRoot.description
            == "HOME is not set, so there is no default backup root; set SPL_BACKUP_ROOT or [backup] root in config.toml")
        #expect(HomeError.socketPathTooLong(path: "/long/run/spl.sock", bytes: 120).description
            == "unix socket path /long/run/spl.sock is 120 bytes, over the 107-byte limit; choose a shorter home (SYNCROPEL_HOME)")
        #expect(HomeError.locked(home: "/h", pid: 77).description == "another spl serve (pid 77) owns /h")
        #expect(HomeError.locked(home: "/h", pid: nil).description
            == "another spl serve owns /h (its pid is not recorded); stop it with 'spl serve --stop'")
        #expect(HomeError.malformedRunFile(path: "/h/run/spl.json", reason: "not JSON").description
            == "run file /h/run/spl.json is not valid (not JSON); if no spl serve is running for this home, remove it")
    }

    @Test(arguments: [
        (ENOSPC, "No space left on device; free some disk space and retry"),
        (EACCES, "Permission denied; check the owner and mode of the file and its folder"),
        (EROFS, "Read-only file system; the file system is read-only; choose a writable location"),
        (ENOTDIR, "Not a directory; a file is in the way of a folder; move it aside"),
        (EIO, "Input/output error; check the path and retry"),
    ])
    func fileSystemErrors(code: Int32, ending: String) {
        #expect(HomeError.fileSystem(action: "write", path: "/h/config.toml", errno: code).description
            == "cannot write /h/config.toml: " + ending)
    }

    @Test func configErrors() {
        #expect(ConfigError.malformed(path: "/h/config.toml", message: "expected '='", line: 3, column: 6).description
            == "config file /h/config.toml is not valid TOML at line 3, column 6: expected '='; fix it, or move it aside to use the defaults")
        #expect(ConfigError.malformed(path: "/h/config.toml", message: "the file is not UTF-8 text", line: nil, column: nil).description
            == "config file /h/config.toml is not valid TOML: the file is not UTF-8 text; fix it, or move it aside to use the defaults")
        #expect(ConfigError.invalidValue(path: "/h/config.toml", key: "server.port", expected: "an integer from 1 to 65535").description
            == "config file /h/config.toml: server.port must be an integer from 1 to 65535; fix it, or remove the key to use the default")
    }

    @Test func keyFileErrors() {
        let key = "/h/keys/primary.key"
        #expect(KeyFileError.missing(path: key).description
            == "no private key at /h/keys/primary.key; restore keys/ from your key backup, or create a new identity with 'spl init'")
        #expect(KeyFileError.malformed(path: key, reason: "not base64").description
            == "private key file /h/keys/primary.key is not valid (not base64); it must hold one line, the base64 of the 32-byte Ed25519 private key: restore it from your key backup")
        #expect(KeyFileError.tooOpen(path: key, mode: 0o644).description
            == "private key file /h/keys/primary.key has mode 0644, open to group or others; fix it with: chmod 600 /h/keys/primary.key")
        #expect(KeyFileError.directoryTooOpen(path: "/h/keys", mode: 0o755).description
            == "keys folder /h/keys has mode 0755, open to group or others; fix it with: chmod 700 /h/keys")
        #expect(KeyFileError.alreadyExists(path: key).description
            == "a private key already exists at /h/keys/primary.key; refusing to replace the instance identity (use --force to replace it: the old identity is lost unless it is backed up)")
    }

    @Test func fileModeText() {
        #expect(FileMode.octal(0o600) == "0600")
        #expect(FileMode.octal(0o40755) == "0755")
        #expect(FileMode.octal(0o4755) == "4755")
        #expect(FileMode.isOpenToOthers(0o700) == false)
        #expect(FileMode.isOpenToOthers(0o710) == true)
    }
}
