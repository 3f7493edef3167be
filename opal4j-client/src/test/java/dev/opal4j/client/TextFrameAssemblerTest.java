package dev.opal4j.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TextFrameAssemblerTest {
  @Test
  void fragmentsAreJoinedIntoOneMessage() throws Exception {
    TextFrameAssembler a = new TextFrameAssembler(0);
    assertThat(a.append("{\"request\": ", false)).isNull();
    assertThat(a.append("null, ", false)).isNull();
    assertThat(a.append("\"response\": {}}", true)).isEqualTo("{\"request\": null, \"response\": {}}");
    assertThat(a.append("next", true)).isEqualTo("next");
  }

  @Test
  void aMessageOverTheLimitIsRefusedAndItsTailDiscarded() throws Exception {
    TextFrameAssembler a = new TextFrameAssembler(10);
    assertThat(a.append("12345", false)).isNull();
    assertThatThrownBy(() -> a.append("678901", false)).isInstanceOf(TextFrameAssembler.TooBigException.class)
        .hasMessageContaining("limit of 10 bytes");
    assertThat(a.append("tail of the big one", true)).isNull();
    assertThat(a.append("0123456789", true)).isEqualTo("0123456789");
  }

  @Test
  void theLimitCountsUtf8Bytes() {
    TextFrameAssembler a = new TextFrameAssembler(5);
    assertThatThrownBy(() -> a.append("ééé", true)).isInstanceOf(TextFrameAssembler.TooBigException.class);
  }
}
