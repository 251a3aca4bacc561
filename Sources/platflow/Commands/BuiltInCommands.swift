extension CommandTree {
    /// The commands every build has, in the order the overview lists them: runs, the scheduler and the job
    /// platform's. Modules add their families in main.swift; version and help always come last.
    static var builtIn: CommandTree {
        CommandTree([RunCommand.spec, CheckCommand.spec, RunsCommand.spec, StatusCommand.spec, LogsCommand.spec, ResumeCommand.spec,
                     RetryCommand.spec, CancelCommand.spec, ApproveCommand.spec, ScheduleCommand.spec, SchedulerCommand.spec,
                     ScriptCommand.spec, BatchesCommand.spec])
    }
}
