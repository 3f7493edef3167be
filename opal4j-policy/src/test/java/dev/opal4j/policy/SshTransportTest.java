package dev.opal4j.policy;

import static dev.opal4j.policy.GitFixture.files;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.util.List;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.apache.sshd.server.command.CommandFactory;
import org.apache.sshd.server.keyprovider.SimpleGeneratorHostKeyProvider;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.UploadPack;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ssh:// policy repositories with {@code OPAL_POLICY_REPO_SSH_KEY}, against a real in-process SSH
 * server (Apache SSHD on a free loopback port) that serves {@code git-upload-pack} with JGit.
 */
class SshTransportTest {
  @TempDir Path tmp;
  GitFixture git;
  SshServer sshd;
  KeyPair clientKey;

  @BeforeEach
  void setUp() throws Exception {
    git = GitFixture.create(tmp);
    KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
    gen.initialize(256);
    clientKey = gen.generateKeyPair();
    PublicKey allowed = clientKey.getPublic();
    sshd = SshServer.setUpDefaultServer();
    sshd.setHost("127.0.0.1");
    sshd.setPort(0);
    sshd.setKeyPairProvider(new SimpleGeneratorHostKeyProvider(tmp.resolve("host.key")));
    sshd.setPublickeyAuthenticator((user, key, session) -> KeyUtils.compareKeys(allowed, key));
    sshd.setPasswordAuthenticator((user, password, session) -> false);
    sshd.setCommandFactory(new UploadPackFactory(tmp));
    sshd.start();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (sshd != null) {
      sshd.stop(true);
    }
    git.close();
  }

  private String sshUrl() {
    return "ssh://git@127.0.0.1:" + sshd.getPort() + "/origin.git";
  }

  private static String openSshPem(KeyPair pair) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(pair, "opal4j-test", null, out);
    return out.toString(StandardCharsets.US_ASCII);
  }

  @Test
  void sshUrlWithTheConfiguredKeyClonesAndFetches() throws Exception {
    String first = git.commit("one", files("a.rego", "package a\n"));
    // upstream's env format: newlines written as underscores
    String key = openSshPem(clientKey).replace("\n", "_");
    PolicyRepoSettings settings =
        git.settings("OPAL_POLICY_REPO_URL", sshUrl(), "OPAL_POLICY_REPO_SSH_KEY", key);
    try (PolicyRepository repo = new PolicyRepository(settings)) {
      assertThat(repo.prepare()).isEqualTo(first);

      String second = git.commit("two", files("a.rego", "package b\n"));
      assertThat(repo.fetchAndUpdate()).get().extracting(PolicyChange::newHash).isEqualTo(second);
      assertThat(new PolicyBundleBuilder(repo).build(List.of(), null).policyModules().get(0).packageName())
          .isEqualTo("b");
    }
  }

  @Test
  void aKeyTheServerDoesNotKnowIsRefused() throws Exception {
    git.commit("one", files("a.rego", "package a\n"));
    KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
    gen.initialize(256);
    PolicyRepoSettings settings =
        git.settings(
            "OPAL_POLICY_REPO_URL", sshUrl(),
            "OPAL_POLICY_REPO_SSH_KEY", openSshPem(gen.generateKeyPair()));
    try (PolicyRepository repo = new PolicyRepository(settings)) {
      assertThatThrownBy(repo::prepare)
          .isInstanceOf(PolicyRepoException.class)
          .hasMessageContaining("cannot fetch ssh://git@127.0.0.1");
    }
  }

  /** {@code git-upload-pack '/<name>'} served from {@code base/<name>} with JGit. */
  private record UploadPackFactory(Path base) implements CommandFactory {
    @Override
    public Command createCommand(ChannelSession channel, String command) {
      List<String> parts = CommandFactory.split(command);
      String path = parts.get(1).replace("'", "");
      return new UploadPackCommand(base.resolve(path.startsWith("/") ? path.substring(1) : path));
    }
  }

  private static final class UploadPackCommand implements Command {
    private final Path gitDir;
    private InputStream in;
    private OutputStream out;
    private OutputStream err;
    private ExitCallback exit;
    private Thread thread;

    UploadPackCommand(Path gitDir) {
      this.gitDir = gitDir;
    }

    @Override
    public void setInputStream(InputStream in) {
      this.in = in;
    }

    @Override
    public void setOutputStream(OutputStream out) {
      this.out = out;
    }

    @Override
    public void setErrorStream(OutputStream err) {
      this.err = err;
    }

    @Override
    public void setExitCallback(ExitCallback exit) {
      this.exit = exit;
    }

    @Override
    public void start(ChannelSession channel, Environment env) {
      thread =
          new Thread(
              () -> {
                try (Repository repo =
                    new FileRepositoryBuilder().setGitDir(gitDir.toFile()).setMustExist(true).build()) {
                  new UploadPack(repo).upload(in, out, err);
                  out.flush();
                  exit.onExit(0);
                } catch (Exception e) {
                  exit.onExit(1, e.toString());
                }
              },
              "test-upload-pack");
      thread.setDaemon(true);
      thread.start();
    }

    @Override
    public void destroy(ChannelSession channel) {
      if (thread != null) {
        thread.interrupt();
      }
    }
  }
}
