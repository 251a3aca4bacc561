extension CommandTree {
    /// The engine's commands, in the order the overview lists them: runs, the scheduler, and semantic versions
    /// (the language's `semver` module from the shell). Modules add their families in main.swift (the job
    /// platform's `script` and `batches` among them); version and help always come last.
    static var builtIn: CommandTree {
        var tree = CommandTree([])
        for entry: Entry in [.init("run", RunCommand.spec), .init("check", CheckCommand.spec), .init("runs", RunsCommand.spec),
                             .init("status", StatusCommand.spec), .init("logs", LogsCommand.spec),
                             .init("resume", ResumeCommand.spec), .init("retry", RetryCommand.spec),
                             .init("cancel", CancelCommand.spec), .init("approve", ApproveCommand.spec),
                             .init("approvals", ApprovalsCommand.spec), .init("prune", PruneCommand.spec),
                             .init("schedule", ScheduleCommand.spec), .init("scheduler", SchedulerCommand.spec),
                             .init("semver", SemverCommand.spec), .init("config", ConfigCommand.spec)] {
            tree.add(entry)
        }
        return tree
    }
}
