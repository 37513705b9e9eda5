import ArgumentParser

/// `spl`: the Syncropel command-line tool and local instance daemon.
@main
struct SPL: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spl",
        abstract: "Syncropel instance: an append-only log of signed, content-addressed records.",
        discussion: "Every command acts on the home named by SYNCROPEL_HOME (default ~/.syncro).",
        version: BuildInfo.versionLine,
        subcommands: [
            VersionCommand.self,
            InitCommand.self,
            IdentityCommand.self,
            RecordCommand.self,
            ServeCommand.self,
            StartCommand.self,
            StopCommand.self,
            RestartCommand.self,
            StatusCommand.self,
            IntendCommand.self,
            DoCommand.self,
            KnowCommand.self,
            LearnCommand.self,
            ThreadCommand.self,
            TrustCommand.self,
            ConfigCommand.self,
            TaskCommand.self,
            BackupCommand.self,
            DrillCommand.self,
            DoctorCommand.self,
        ]
    )
}
