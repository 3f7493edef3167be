package dev.opal4j.policy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PublicKey;
import java.util.List;
import org.eclipse.jgit.api.TransportCommand;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.SshTransport;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;
import org.eclipse.jgit.transport.sshd.JGitKeyCache;
import org.eclipse.jgit.transport.sshd.ServerKeyDatabase;
import org.eclipse.jgit.transport.sshd.SshdSessionFactory;
import org.eclipse.jgit.transport.sshd.SshdSessionFactoryBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Credentials for the remote: user and password (or token) from an https URL's user-info, and for
 * SSH URLs the {@code OPAL_POLICY_REPO_SSH_KEY}, written to a private temp file (mode 600) as
 * upstream does. Like upstream's {@code StrictHostKeyChecking=no}, a configured SSH key comes with
 * accepting any host key; without a key, JGit's defaults ({@code ~/.ssh}, known_hosts) apply.
 */
final class GitAuth implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GitAuth.class);

  private final CredentialsProvider credentials;
  private final SshdSessionFactory ssh;
  private final Path sshDir;

  private GitAuth(CredentialsProvider credentials, SshdSessionFactory ssh, Path sshDir) {
    this.credentials = credentials;
    this.ssh = ssh;
    this.sshDir = sshDir;
  }

  static GitAuth forSettings(PolicyRepoSettings settings) throws IOException {
    CredentialsProvider credentials = null;
    try {
      URIish uri = new URIish(settings.repoUrl());
      if (uri.getUser() != null && !settings.isSshUrl()) {
        credentials =
            new UsernamePasswordCredentialsProvider(
                uri.getUser(), uri.getPass() == null ? "" : uri.getPass());
      }
    } catch (java.net.URISyntaxException e) {
      // checked by PolicyRepoSettings; JGit reports it again, redacted, when it connects
    }
    if (settings.sshKey() == null || !settings.isSshUrl()) {
      return new GitAuth(credentials, null, null);
    }
    Path dir = Files.createTempDirectory("opal4j-ssh-", PosixFilePermissions.asFileAttribute(
        PosixFilePermissions.fromString("rwx------")));
    Path key = dir.resolve("id_policy_repo");
    Files.createFile(key, PosixFilePermissions.asFileAttribute(
        PosixFilePermissions.fromString("rw-------")));
    Files.writeString(key, settings.sshKey());
    log.warn(
        "policy repo {}: SSH host keys are not verified (as upstream OPAL's"
            + " StrictHostKeyChecking=no)",
        settings.redactedRepoUrl());
    SshdSessionFactory factory =
        new SshdSessionFactoryBuilder()
            .setHomeDirectory(dir.toFile())
            .setSshDirectory(dir.toFile())
            .setPreferredAuthentications("publickey")
            .setDefaultIdentities(ignored -> List.of(key))
            .setConfigStoreFactory((home, configFile, localUser) -> null)
            .setServerKeyDatabase((home, sshDirectory) -> new AcceptAnyHostKey())
            .build(new JGitKeyCache());
    return new GitAuth(credentials, factory, dir);
  }

  void configure(TransportCommand<?, ?> command) {
    if (credentials != null) {
      command.setCredentialsProvider(credentials);
    }
    if (ssh != null) {
      command.setTransportConfigCallback(
          transport -> {
            if (transport instanceof SshTransport sshTransport) {
              sshTransport.setSshSessionFactory(ssh);
            }
          });
    }
  }

  @Override
  public void close() {
    if (ssh != null) {
      ssh.close();
    }
    if (sshDir != null) {
      try {
        ClonePathFinder.deleteRecursively(sshDir);
      } catch (IOException e) {
        log.warn("could not remove the temporary SSH key directory {}", sshDir, e);
      }
    }
  }

  private static final class AcceptAnyHostKey implements ServerKeyDatabase {
    @Override
    public List<PublicKey> lookup(
        String connectAddress, InetSocketAddress remoteAddress, Configuration config) {
      return List.of();
    }

    @Override
    public boolean accept(
        String connectAddress,
        InetSocketAddress remoteAddress,
        PublicKey serverKey,
        Configuration config,
        CredentialsProvider provider) {
      return true;
    }
  }
}
