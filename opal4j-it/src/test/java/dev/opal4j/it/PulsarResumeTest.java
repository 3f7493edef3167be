package dev.opal4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.opal4j.testkit.BackboneFixture;
import dev.opal4j.testkit.pulsar.PulsarBroker;

/**
 * Resume on Pulsar, whose namespace keeps messages for an hour (resume needs a retention policy);
 * the backbone loses messages by the topic being deleted (it is created again on use).
 */
class PulsarResumeTest extends BackboneResumeContract {
  @Override
  protected BackboneFixture startBackbone() {
    return PulsarBroker.launch(PulsarBroker.RETAIN_ONE_HOUR);
  }

  @Override
  protected void loseMessagesPublishedSoFar(BackboneFixture backbone) {
    assertThat(((PulsarBroker) backbone).adminCall("DELETE", "/admin/v2/persistent/public/default/broadcast?force=true"))
        .isEqualTo(204);
  }
}
