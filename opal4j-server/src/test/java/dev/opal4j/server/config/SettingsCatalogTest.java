package dev.opal4j.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opal4j.protocol.config.EnvBinder;
import dev.opal4j.protocol.config.Setting;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The catalog is the truth about the settings only while it matches what the code reads. */
class SettingsCatalogTest {
  /** Defaults the catalog describes rather than spells: the code computes them. */
  private static final Set<String> DESCRIBED_DEFAULTS = Set.of(
      "OPAL_SERVER_EVENT_LOOPS", // the machine's cores
      "OPAL_POLICY_REPO_CLONE_PATH"); // relative to the working directory

  @Test
  void everyVariableTheBinderReadsIsInTheCatalogAndEveryCatalogEntryIsRead() {
    EnvBinder binder = new EnvBinder(Map.of());
    ServerConfig.bind(binder);

    Set<String> catalog = SettingsCatalog.all().stream().map(Setting::name).collect(Collectors.toCollection(TreeSet::new));
    assertThat(new TreeSet<>(binder.namesRead())).as("variables read by the code vs SettingsCatalog")
        .isEqualTo(catalog);
  }

  @Test
  void everyDocumentedDefaultIsTheOneTheCodeFallsBackTo() {
    // UVICORN_NUM_WORKERS is read with its fallback only when set
    EnvBinder binder = new EnvBinder(Map.of("UVICORN_NUM_WORKERS", "1"));
    ServerConfig.bind(binder);

    Map<String, String> documented = new HashMap<>();
    for (Setting s : SettingsCatalog.all()) {
      if (binder.fallbacks().containsKey(s.name()) && !DESCRIBED_DEFAULTS.contains(s.name())) {
        documented.put(s.name(), s.defaultValue() == null ? ""
            : s.defaultValue().replace("`", "").replace("\"\"", ""));
      }
    }
    Map<String, String> inCode = new HashMap<>(binder.fallbacks());
    inCode.keySet().retainAll(documented.keySet());
    assertThat(documented).as("SettingsCatalog's defaults vs the code's fallbacks").isEqualTo(inCode);
  }

  @Test
  void everySecretSettingIsMarkedSecret() {
    for (String name : Set.of("OPAL_AUTH_PRIVATE_KEY", "OPAL_AUTH_PRIVATE_KEY_PASSPHRASE", "OPAL_AUTH_MASTER_TOKEN",
        "OPAL_POLICY_REPO_SSH_KEY", "OPAL_POLICY_REPO_WEBHOOK_SECRET", "UVICORN_SSL_KEYFILE_PASSWORD",
        "OPAL_POLICY_BUNDLE_SERVER_TOKEN")) {
      assertThat(SettingsCatalog.named(name)).as(name).get()
          .extracting(Setting::secrecy).isEqualTo(Setting.Secrecy.SECRET);
    }
    for (String name : Set.of("OPAL_BROADCAST_URI", "OPAL_POLICY_REPO_URL", "OPAL_POLICY_BUNDLE_URL")) {
      assertThat(SettingsCatalog.named(name)).as(name).get()
          .extracting(Setting::secrecy).isEqualTo(Setting.Secrecy.URI_CREDENTIALS);
    }
  }
}
