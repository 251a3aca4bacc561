// PlatCMDB: the configuration management database (see Model/, Store/, Query/, Import/).
