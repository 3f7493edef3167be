package dev.opal4j.testkit.bundle;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

/**
 * Builds real {@code bundle.tar.gz} files for tests, including the hostile ones a bundle server
 * could send (names with {@code ..} or absolute, links out of the root, devices). Names are written
 * exactly as given; times are the epoch, so the same entries give the same bytes. Not thread-safe;
 * one builder per tarball.
 */
public final class Tarball {
  private interface Writer {
    void write(TarArchiveOutputStream tar) throws IOException;
  }

  private final List<Writer> entries = new ArrayList<>();

  /** A tarball of these files (path → UTF-8 content), in the map's order. */
  public static byte[] of(Map<String, String> files) {
    Tarball t = new Tarball();
    files.forEach(t::file);
    return t.bytes();
  }

  public Tarball file(String name, String content) {
    return file(name, content.getBytes(StandardCharsets.UTF_8));
  }

  public Tarball file(String name, byte[] content) {
    entries.add(tar -> {
      TarArchiveEntry e = new TarArchiveEntry(name, true);
      e.setModTime(0);
      e.setSize(content.length);
      e.setMode(0644);
      tar.putArchiveEntry(e);
      tar.write(content);
      tar.closeArchiveEntry();
    });
    return this;
  }

  public Tarball directory(String name) {
    return special(name.endsWith("/") ? name : name + "/", TarConstants.LF_DIR, null);
  }

  public Tarball symlink(String name, String target) {
    return special(name, TarConstants.LF_SYMLINK, target);
  }

  public Tarball hardlink(String name, String target) {
    return special(name, TarConstants.LF_LINK, target);
  }

  public Tarball fifo(String name) {
    return special(name, TarConstants.LF_FIFO, null);
  }

  private Tarball special(String name, byte type, String link) {
    entries.add(tar -> {
      TarArchiveEntry e = new TarArchiveEntry(name, type, true);
      e.setModTime(0);
      if (link != null) {
        e.setLinkName(link);
      }
      tar.putArchiveEntry(e);
      tar.closeArchiveEntry();
    });
    return this;
  }

  /** The gzip-compressed tar. */
  public byte[] bytes() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(out))) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (Writer w : entries) {
        w.write(tar);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
