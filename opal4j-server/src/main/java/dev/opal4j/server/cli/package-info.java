/**
 * {@code opal-server}'s command line (picocli): {@code run} (the default), {@code print-config},
 * {@code check-config}, {@code --help} with every setting from the settings catalog, and {@code
 * --version}. Configuration still comes from the environment; the few flags only override the
 * variables they name.
 */
package dev.opal4j.server.cli;
