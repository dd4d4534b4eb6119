using Corvid.Cli;

return await CorvidApp.RunAsync(args);
