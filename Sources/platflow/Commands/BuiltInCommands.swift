extension CommandTree {
    /// The engine's commands, in the order the overview lists them: runs, the scheduler, and semantic versions
    /// (the language's `semver` module from the shell). Modules add their families in main.swift (the job
    /// platform's `script` and `batches` among them); version and help always come last.
    static var builtIn: CommandTree {
        CommandTree([RunCommand.spec, CheckCommand.spec, RunsCommand.spec, StatusCommand.spec, LogsCommand.spec, ResumeCommand.spec,
                     RetryCommand.spec, CancelCommand.spec, ApproveCommand.spec, ApprovalsCommand.spec, PruneCommand.spec, ScheduleCommand.spec, SchedulerCommand.spec,
                     SemverCommand.spec, ConfigCommand.spec])
    }
}
