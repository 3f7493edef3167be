package dev.opal4j.server.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code run}: starts the server (the default when no command is given). */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = "Run the server (the default): one worker, or a supervisor of UVICORN_NUM_WORKERS workers.")
final class RunCommand implements Callable<Integer> {
  @ParentCommand ServerCli cli;

  @Override
  public Integer call() throws Exception {
    return cli.call();
  }
}
