package dev.opal4j.client.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code opal-client}: the subset of upstream's {@code opal-client} CLI that talks to a server
 * ({@code publish-data-update}, {@code obtain-token}, {@code generate-secret}, {@code version}, with
 * upstream's flags) plus {@code subscribe}, which listens on {@code /ws} like the OPAL client.
 */
@Command(
    name = "opal-client",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Talk to an OPAL server (opal4j or upstream) the way upstream's opal-client CLI does.",
    subcommands = {
        PublishDataUpdateCommand.class,
        ObtainTokenCommand.class,
        SubscribeCommand.class,
        GenerateSecretCommand.class,
        VersionCommand.class,
        HelpCommand.class},
    footer = ExitCodes.FOOTER)
public final class OpalClientCli implements Runnable {
  private static final String LOGBACK_CONFIG = "logback.configurationFile";

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing required subcommand");
  }

  public static void main(String[] args) {
    // Before any logger exists: the CLI's own quiet config, unless the user chose one.
    if (System.getProperty(LOGBACK_CONFIG) == null) {
      System.setProperty(LOGBACK_CONFIG, "opal4j-client-logback.xml");
    }
    PrintWriter out = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.out),
        StandardCharsets.UTF_8), true);
    PrintWriter err = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.err),
        StandardCharsets.UTF_8), true);
    int code = run(out, err, args);
    out.flush();
    err.flush();
    System.exit(code);
  }

  /** Runs the CLI with the given streams and returns the exit code (no {@code System.exit}). */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    return commandLine(out, err).execute(args);
  }

  static CommandLine commandLine(PrintWriter out, PrintWriter err) {
    CommandLine cli = new CommandLine(new OpalClientCli());
    cli.setOut(out);
    cli.setErr(err);
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      if (e instanceof CliException c) {
        commandLine.getErr().println("opal-client " + commandLine.getCommandName() + ": " + c.getMessage());
        commandLine.getErr().flush();
        return c.exitCode();
      }
      commandLine.getErr().println("opal-client " + commandLine.getCommandName() + ": unexpected error: " + e);
      e.printStackTrace(commandLine.getErr());
      commandLine.getErr().flush();
      return ExitCodes.FAILED;
    });
    return cli;
  }
}
