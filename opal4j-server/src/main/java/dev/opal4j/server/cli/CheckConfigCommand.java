package dev.opal4j.server.cli;

import dev.opal4j.broadcast.spi.BroadcastConfigurationException;
import dev.opal4j.broadcast.spi.BroadcastSettings;
import dev.opal4j.broadcast.spi.Broadcasters;
import dev.opal4j.server.auth.AuthConfigurationException;
import dev.opal4j.server.auth.JwtAuthority;
import dev.opal4j.server.config.ConfigException;
import dev.opal4j.server.config.ServerConfig;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code check-config}: validates what start-up validates before it opens anything (every
 * variable, the auth keys, that a backbone driver for the URI's scheme is installed and accepts
 * the URI) and exits 0 or 2. Never binds a port, connects to a backbone or clones a repository.
 */
@Command(name = "check-config", mixinStandardHelpOptions = true,
    description = "Validate the configuration without starting anything: exit code 0 when valid, 2 when not"
        + " (each problem is named on stderr).")
final class CheckConfigCommand implements Callable<Integer> {
  @ParentCommand ServerCli cli;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    Map<String, String> env = cli.effectiveEnvironment();
    PrintWriter err = spec.commandLine().getErr();
    ServerConfig config;
    try {
      ServerConfig.Binding binding = ServerConfig.bind(env);
      binding.warnings().forEach(w -> err.println("warning: " + w));
      config = binding.config();
    } catch (ConfigException e) {
      err.println("opal-server: " + e.getMessage());
      return 2;
    }
    List<String> problems = new ArrayList<>();
    try {
      JwtAuthority.create(config.auth());
    } catch (AuthConfigurationException e) {
      problems.add(e.getMessage());
    }
    if (config.broadcastUri() != null) {
      try {
        // the factory only validates here; nothing connects until a broadcaster is opened
        Broadcasters.discover().factoryFor(new BroadcastSettings(config.broadcastUri(), config.broadcastChannel(),
            "check-config", env));
      } catch (BroadcastConfigurationException e) {
        problems.add(e.getMessage());
      }
    }
    if (!problems.isEmpty()) {
      err.println("opal-server: invalid configuration:\n  - " + String.join("\n  - ", problems));
      return 2;
    }
    spec.commandLine().getOut().println("configuration is valid (" + (config.workers() == 1 ? "1 worker"
        : config.workers() + " workers") + ", port " + config.port() + ", backbone "
        + (config.broadcastUri() == null ? "none" : config.broadcastUri().getScheme()) + ")");
    return 0;
  }
}
