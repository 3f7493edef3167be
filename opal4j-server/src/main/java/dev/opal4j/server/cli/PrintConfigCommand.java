package dev.opal4j.server.cli;

import dev.opal4j.server.config.ConfigException;
import dev.opal4j.server.config.ServerConfig;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code print-config}: every setting's effective value on stdout, secrets redacted; then the
 * configuration's problems on stderr (exit 2) or its warnings (exit 0). Starts nothing.
 */
@Command(name = "print-config", mixinStandardHelpOptions = true,
    description = "Print the effective configuration (environment and flags), secrets redacted, and start nothing."
        + " Exit code 2 when it is not valid.")
final class PrintConfigCommand implements Callable<Integer> {
  @ParentCommand ServerCli cli;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    Map<String, String> env = cli.effectiveEnvironment();
    EffectiveConfiguration.lines(env).forEach(spec.commandLine().getOut()::println);
    spec.commandLine().getOut().flush();
    try {
      ServerConfig.Binding binding = ServerConfig.bind(env);
      binding.warnings().forEach(w -> spec.commandLine().getErr().println("warning: " + w));
      return 0;
    } catch (ConfigException e) {
      spec.commandLine().getErr().println("opal-server: " + e.getMessage());
      return 2;
    }
  }
}
