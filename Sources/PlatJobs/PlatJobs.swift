// PlatJobs: the job platform (see Fleet/, Hosts/, Transports/, Rolling/, Safety/, Copy/, Library/).
