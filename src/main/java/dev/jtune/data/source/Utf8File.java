package dev.jtune.data.source;

import dev.jtune.data.BadInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads a whole text file as strict UTF-8, dropping a leading byte-order mark. */
public final class Utf8File {
  private Utf8File() {}

  /**
   * The file's text; a byte sequence that is not UTF-8 is reported with its line number instead of
   * being replaced silently.
   */
  public static String read(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new BadInputException(file, "file not found", "check the --in path");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length);
    CoderResult result = decoder.decode(in, out, true);
    if (result.isError()) {
      int offset = in.position();
      throw new BadInputException(
          file,
          lineOf(bytes, offset),
          String.format("byte 0x%02X at offset %d is not valid UTF-8", bytes[offset] & 0xFF, offset),
          "convert the file to UTF-8 (e.g. iconv -f WINDOWS-1252 -t UTF-8)");
    }
    decoder.flush(out);
    out.flip();
    String text = out.toString();
    return text.startsWith("\uFEFF") ? text.substring(1) : text;
  }

  private static long lineOf(byte[] bytes, int offset) {
    long line = 1;
    for (int i = 0; i < offset; i++) {
      if (bytes[i] == '\n') line++;
    }
    return line;
  }
}
