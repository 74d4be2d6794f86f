using System.CommandLine;
using OpenMss.Cli.Commands;

namespace OpenMss.Cli;

/// <summary>The <c>openmss</c> command: demo, serve, ca, account, whitelist, send, queue, mailbox, audit, directory, patients, bench.</summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var root = new RootCommand("OpenMSS: the MSSanté secure health messaging operator, directory and trust authority.")
        {
            DemoCommand.Create(),
            ServeCommand.Create(),
            CaCommands.Create(),
            AccountCommands.Create(),
            WhitelistCommand.Create(),
            SendCommand.Create(),
            QueueCommands.Create(),
            MailboxCommands.Create(),
            AuditCommand.Create(),
            DirectoryCommands.Create(),
            PatientCommands.Create(),
            BenchCommands.Create(),
        };

        return await root.Parse(args).InvokeAsync();
    }
}
