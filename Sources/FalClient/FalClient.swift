// FalClient
