package dev.opal4j.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GenerateSecretTest {
  @Test
  void bytesFormatIsPythonsBytesRepr() {
    assertThat(GenerateSecretCommand.pythonBytesRepr(new byte[] {'a', 0, (byte) 0xff, '\n', '\\'}))
        .isEqualTo("b'a\\x00\\xff\\n\\\\'");
    // CPython switches to double quotes when the bytes hold a single quote but no double quote.
    assertThat(GenerateSecretCommand.pythonBytesRepr(new byte[] {'\''})).isEqualTo("b\"'\"");
    assertThat(GenerateSecretCommand.pythonBytesRepr(new byte[] {'\'', '"'})).isEqualTo("b'\\'\"'");
  }

  @Test
  void urlsafeFormatIsUnpaddedBase64Url() {
    assertThat(GenerateSecretCommand.format(new byte[] {(byte) 0xfb, (byte) 0xff}, GenerateSecretCommand.SecretFormat.urlsafe))
        .isEqualTo("-_8");
  }
}
