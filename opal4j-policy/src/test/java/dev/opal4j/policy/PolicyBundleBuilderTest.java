package dev.opal4j.policy;

import static dev.opal4j.policy.GitFixture.files;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.opal4j.policy.PolicyBundle.DataModule;
import dev.opal4j.policy.PolicyBundle.PolicyModule;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyBundleBuilderTest {
  static final String RBAC = "package app.rbac\n\nimport data.app.utils\n\nallow { true }\n";
  static final String UTILS = "# helpers\npackage app.utils\n\nf(x) = x\n";
  static final String Z = "package z\n";

  @TempDir Path tmp;
  GitFixture git;
  PolicyRepository repo;

  @BeforeEach
  void setUp() throws Exception {
    git = GitFixture.create(tmp);
  }

  @AfterEach
  void tearDown() {
    if (repo != null) {
      repo.close();
    }
    git.close();
  }

  private String seed() throws Exception {
    return git.commit(
        "seed",
        files(
            "README.md", "# policies\n",
            "config.yaml", "a: 1\n",
            "data.json", "{\"roles\": [\"admin\"]}",
            "other.json", "{\"not\": \"data\"}",
            "utils.rego", UTILS,
            "z.rego", Z,
            "rbac/rbac.rego", RBAC,
            "rbac/data.json", "{\"users\": {}}",
            "tests/rbac_test.rego", "package app.rbac_test\n"));
  }

  private PolicyBundleBuilder builder(String... env) throws Exception {
    repo = new PolicyRepository(git.settings(env));
    repo.prepare();
    return new PolicyBundleBuilder(repo);
  }

  @Test
  void fullBundleListsTrackedFilesInRepositoryOrderWithDataAndPolicyModules() throws Exception {
    String head = seed();
    PolicyBundle b = builder().build(List.of(), null);

    assertThat(b.hash()).isEqualTo(head);
    assertThat(b.oldHash()).isNull();
    assertThat(b.deletedFiles()).isNull();
    // a directory's own files (git tree order) before its subdirectories
    assertThat(b.manifest())
        .containsExactly(
            "data.json",
            "utils.rego",
            "z.rego",
            "rbac/data.json",
            "rbac/rbac.rego",
            "tests/rbac_test.rego");
    assertThat(b.dataModules())
        .containsExactly(
            new DataModule(".", "{\"roles\": [\"admin\"]}"), new DataModule("rbac", "{\"users\": {}}"));
    assertThat(b.policyModules())
        .extracting(PolicyModule::path, PolicyModule::packageName)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("utils.rego", "app.utils"),
            org.assertj.core.groups.Tuple.tuple("z.rego", "z"),
            org.assertj.core.groups.Tuple.tuple("rbac/rbac.rego", "app.rbac"),
            // upstream's package regex has no '_', so such packages are reported as "" (kept as is)
            org.assertj.core.groups.Tuple.tuple("tests/rbac_test.rego", ""));
    assertThat(b.policyModules().get(2).rego()).isEqualTo(RBAC);
  }

  @Test
  void bundleJsonHasUpstreamMembersInUpstreamOrder() throws Exception {
    String head = git.commit("one", files("rbac.rego", "package app.rbac\n", "data.json", "{}"));
    PolicyBundle b = builder().build(List.of("."), null);

    assertThat(b.toJsonText())
        .isEqualTo(
            "{\"manifest\": [\"data.json\", \"rbac.rego\"], \"hash\": \""
                + head
                + "\", \"old_hash\": null, \"data_modules\": [{\"path\": \".\", \"data\": \"{}\"}],"
                + " \"policy_modules\": [{\"path\": \"rbac.rego\", \"package_name\": \"app.rbac\","
                + " \"rego\": \"package app.rbac\\n\"}], \"deleted_files\": null}");
  }

  @Test
  void filteredExtensionsDecideWhichFilesAreRead() throws Exception {
    seed();
    PolicyBundle b = builder("OPAL_FILTER_FILE_EXTENSIONS", ".rego").build(List.of(), null);

    assertThat(b.dataModules()).isEmpty();
    assertThat(b.manifest()).allMatch(p -> p.endsWith(".rego"));
    // README.md, config.yaml and other.json are never modules with the default filter either
    repo.close();
    PolicyBundle defaults = builder().build(List.of(), null);
    assertThat(defaults.manifest()).noneMatch(p -> p.endsWith(".md") || p.endsWith(".yaml"));
    assertThat(defaults.manifest()).doesNotContain("other.json");
  }

  @Test
  void ignoreGlobsLeaveFilesOutOfTheBundle() throws Exception {
    seed();
    PolicyBundle b =
        builder("OPAL_BUNDLE_IGNORE", "tests/**, z.*").build(List.of(), null);

    assertThat(b.manifest())
        .containsExactly("data.json", "utils.rego", "rbac/data.json", "rbac/rbac.rego");
  }

  @Test
  void ignoreGlobsGivenAsAJsonListLeaveFilesOutOfTheBundle() throws Exception {
    seed();
    PolicyBundle b =
        builder("OPAL_BUNDLE_IGNORE", "[\"rbac/data.json\", \"tests/**\"]").build(List.of(), null);

    assertThat(b.manifest()).doesNotContain("rbac/data.json");
    assertThat(b.manifest())
        .containsExactly("data.json", "utils.rego", "z.rego", "rbac/rbac.rego");
  }

  @Test
  void filterExtensionsGivenAsAJsonListDecideWhichFilesAreRead() throws Exception {
    seed();
    PolicyBundle b =
        builder("OPAL_FILTER_FILE_EXTENSIONS", "[\".rego\"]").build(List.of(), null);

    assertThat(b.dataModules()).isEmpty();
    assertThat(b.manifest()).isNotEmpty().allMatch(p -> p.endsWith(".rego"));
  }

  @Test
  void manifestFileOrdersTheBundleAndIncludesNestedManifests() throws Exception {
    seed();
    git.commit(
        "manifest",
        files(
            ".manifest", "z.rego\nrbac\n../escape.rego\nmissing.rego\nz.rego\n\n",
            "rbac/.manifest", "rbac.rego\ndata.json\n"));
    PolicyBundle b = builder().build(List.of(), null);

    assertThat(b.manifest())
        .containsExactly(
            "z.rego",
            "rbac/rbac.rego",
            "rbac/data.json",
            "data.json",
            "utils.rego",
            "tests/rbac_test.rego");
  }

  @Test
  void manifestPathMayNameADirectoryOrAFile() throws Exception {
    seed();
    git.commit(
        "manifests",
        files("order/.manifest", "../z.rego\n", "rbac/load-order", "rbac.rego\n"));
    // a file: entries are relative to its directory
    PolicyBundle b =
        builder("OPAL_POLICY_REPO_MANIFEST_PATH", "rbac/load-order").build(List.of(), null);
    assertThat(b.manifest().get(0)).isEqualTo("rbac/rbac.rego");
    repo.close();
    // a directory: its .manifest; "../z.rego" escapes it and is skipped
    PolicyBundle d = builder("OPAL_POLICY_REPO_MANIFEST_PATH", "order").build(List.of(), null);
    assertThat(d.manifest().get(0)).isEqualTo("data.json");
  }

  @Test
  void packageNameIsTheFirstExactPackageLine() throws Exception {
    git.commit(
        "packages",
        files(
            "a.rego", "# comment\n\npackage a.b.c\n",
            "b.rego", "package x # trailing comment\npackage y\n",
            "c.rego", "allow { true }\n",
            "d.rego", "package data[\"x\"].y\r\n",
            "e.rego", "package\ttabbed"));
    PolicyBundle b = builder().build(List.of(), null);

    assertThat(b.policyModules())
        .extracting(PolicyModule::packageName)
        .containsExactly("a.b.c", "y", "", "data[\"x\"].y", "tabbed");
  }

  @Test
  void pathQueryRestrictsTheBundleToFilesUnderThoseDirectories() throws Exception {
    seed();
    PolicyBundleBuilder builder = builder();

    assertThat(builder.build(List.of("rbac"), null).manifest())
        .containsExactly("rbac/data.json", "rbac/rbac.rego");
    assertThat(builder.build(List.of("/rbac/"), null).manifest())
        .containsExactly("rbac/data.json", "rbac/rbac.rego");
    // a file exists but nothing is under it
    assertThat(builder.build(List.of("rbac/rbac.rego"), null).manifest()).isEmpty();
  }

  @Test
  void unknownPathIsPolicyNotFound() throws Exception {
    seed();
    PolicyBundleBuilder builder = builder();

    assertThatThrownBy(() -> builder.build(List.of("rbac", "nope"), null))
        .isInstanceOf(PolicyNotFound.class)
        .hasMessage("requested path nope was not found in the policy repo!")
        .extracting(e -> ((PolicyException) e).httpStatus())
        .isEqualTo(404);
  }

  @Test
  void diffBundleCarriesChangesAndDeletionsSinceBaseHash() throws Exception {
    String base = seed();
    String head =
        git.commit(
            "change",
            files(
                "utils.rego", UTILS + "g(x) = x\n",
                "rbac/new.rego", "package app.rbac.extra\n",
                "z.rego", null,
                "rbac/data.json", null,
                "README.md", "changed\n"));
    PolicyBundle b = builder().build(List.of(), base);

    assertThat(b.isDiff()).isTrue();
    assertThat(b.oldHash()).isEqualTo(base);
    assertThat(b.hash()).isEqualTo(head);
    assertThat(b.manifest()).containsExactly("rbac/new.rego", "utils.rego");
    assertThat(b.policyModules())
        .extracting(PolicyModule::path, PolicyModule::packageName)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("rbac/new.rego", "app.rbac.extra"),
            org.assertj.core.groups.Tuple.tuple("utils.rego", "app.utils"));
    assertThat(b.dataModules()).isEmpty();
    assertThat(b.deletedFiles().dataModules()).containsExactly("rbac");
    assertThat(b.deletedFiles().policyModules()).containsExactly("z.rego");
    assertThat(b.toJson().get("deleted_files").toString())
        .isEqualTo("{\"data_modules\":[\"rbac\"],\"policy_modules\":[\"z.rego\"]}");
  }

  @Test
  void renameIsAnAdditionAndADeletion() throws Exception {
    String base = seed();
    git.rename("utils.rego", "lib/utils.rego");
    PolicyBundle b = builder().build(List.of(), base);

    assertThat(b.manifest()).containsExactly("lib/utils.rego");
    assertThat(b.deletedFiles().policyModules()).containsExactly("utils.rego");
  }

  @Test
  void deletedPoliciesComeInReverseManifestOrder() throws Exception {
    git.commit(".manifest", files(".manifest", "a.rego\nb.rego\nc.rego\n"));
    String base =
        git.commit("abc", files("a.rego", "package a\n", "b.rego", "package b\n", "c.rego", "package c\n"));
    git.commit("rm", files("a.rego", null, "b.rego", null, "c.rego", null));
    PolicyBundle b = builder().build(List.of(), base);

    assertThat(b.deletedFiles().policyModules()).containsExactly("c.rego", "b.rego", "a.rego");
    assertThat(b.deletedFiles().dataModules()).isEmpty();
  }

  @Test
  void diffWithNoTrackedChangesHasNoDeletedFiles() throws Exception {
    String base = seed();
    git.commit("docs", files("README.md", "more\n"));
    PolicyBundle b = builder().build(List.of(), base);

    assertThat(b.oldHash()).isEqualTo(base);
    assertThat(b.manifest()).isEmpty();
    assertThat(b.deletedFiles()).isNull();
  }

  @Test
  void baseHashThatIsNoRevisionGivesAFullBundle() throws Exception {
    seed();
    PolicyBundleBuilder builder = builder();

    for (String unknown :
        List.of("0123456789abcdef0123456789abcdef01234567", "not-a-revision", "~^:")) {
      PolicyBundle b = builder.build(List.of(), unknown);
      assertThat(b.oldHash()).as(unknown).isNull();
      assertThat(b.manifest()).as(unknown).hasSize(6);
    }
  }

  @Test
  void baseHashNamingANonCommitIsPolicyNotFound() throws Exception {
    String head = seed();
    PolicyBundleBuilder builder = builder();
    String tree = git.treeOf(head);

    assertThatThrownBy(() -> builder.build(List.of(), tree))
        .isInstanceOf(PolicyNotFound.class)
        .hasMessageContaining("commit with hash " + tree + " was not found");
  }

  @Test
  void bundleBeforeTheCloneIsPolicyRepoNotReady() throws Exception {
    seed();
    repo = new PolicyRepository(git.settings());
    PolicyBundleBuilder builder = new PolicyBundleBuilder(repo);

    assertThatThrownBy(() -> builder.build(List.of(), null))
        .isInstanceOf(PolicyRepoNotReady.class)
        .extracting(e -> ((PolicyException) e).httpStatus())
        .isEqualTo(503);
  }

  @Test
  void sortByManifestKeepsUnlistedPathsAfterListedOnes() {
    assertThat(
            PolicyBundleBuilder.sortByManifest(
                List.of("a", "b", "c", "d"), List.of("c", "x", "a")))
        .containsExactly("c", "a", "b", "d");
    assertThat(PolicyBundleBuilder.sortByManifest(List.of("b", "a"), List.of()))
        .containsExactly("b", "a");
    assertThat(Map.of()).isEmpty();
  }
}
