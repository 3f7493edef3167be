package dev.opal4j.server.cli;

import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Mixin;

/**
 * {@code opal-server [run|print-config|check-config] [--port N] [--host A] [--workers N]
 * [--log-level L]}. With no command it runs the server, as {@code bin/opal-server} always did. An
 * unknown command or flag is refused with picocli's message and exit code 2, and nothing starts:
 * a mistyped flag must never mean "start with defaults".
 *
 * <p>Not thread-safe: one instance parses one command line.
 */
@Command(
    name = "opal-server",
    mixinStandardHelpOptions = true,
    versionProvider = ServerVersion.class,
    description = {
        "Runs the opal4j server, an OPAL-compatible policy/data update server. Configuration comes from"
            + " the environment, with upstream OPAL's variable names and defaults (listed below).",
        "Without a command: run."},
    subcommands = {RunCommand.class, PrintConfigCommand.class, CheckConfigCommand.class, HelpCommand.class})
public final class ServerCli implements Callable<Integer> {
  /** Runs the server with the given (effective) environment; returns the process exit code. */
  @FunctionalInterface
  public interface Runner {
    int run(Map<String, String> env) throws Exception;
  }

  @Mixin FlagOverrides flags;

  private final Map<String, String> env;
  private final Runner runner;

  private ServerCli(Map<String, String> env, Runner runner) {
    this.env = env;
    this.runner = runner;
  }

  @Override
  public Integer call() throws Exception {
    return runner.run(effectiveEnvironment());
  }

  Map<String, String> effectiveEnvironment() {
    return flags.applyTo(env);
  }

  Map<String, String> flagVariables() {
    return flags.asVariables();
  }

  /**
   * Parses {@code args} and runs the chosen command; returns the exit code (no {@code System.exit}).
   *
   * @param env the process environment, which the flags override
   * @param runner what {@code run} does
   */
  public static int execute(PrintWriter out, PrintWriter err, Map<String, String> env, Runner runner,
      String... args) {
    CommandLine cli = new CommandLine(new ServerCli(env, runner));
    cli.setOut(out);
    cli.setErr(err);
    cli.getCommandSpec().usageMessage().footer(SettingsHelp.footer());
    // the settings list is laid out at SettingsHelp's width; picocli's default of 80 would re-wrap it
    cli.setUsageHelpWidth(SettingsHelp.WIDTH + 20);
    // a mistyped flag gets the error and a pointer, not the whole settings list
    cli.setParameterExceptionHandler((e, args1) -> {
      CommandLine.UnmatchedArgumentException.printSuggestions(e, e.getCommandLine().getErr());
      e.getCommandLine().getErr().println("opal-server: " + e.getMessage());
      e.getCommandLine().getErr().println("Try 'opal-server --help' for the commands, flags and settings.");
      e.getCommandLine().getErr().flush();
      return e.getCommandLine().getCommandSpec().exitCodeOnInvalidInput();
    });
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      commandLine.getErr().println("opal-server: unexpected error: " + e);
      e.printStackTrace(commandLine.getErr());
      commandLine.getErr().flush();
      return 1;
    });
    int code = cli.execute(args);
    out.flush();
    err.flush();
    return code;
  }
}
