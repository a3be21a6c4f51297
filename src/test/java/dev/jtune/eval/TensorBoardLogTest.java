package dev.jtune.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.Event;
import org.tensorflow.proto.SessionLog;
import org.tensorflow.proto.Summary;

class TensorBoardLogTest {
  @TempDir Path dir;

  @Test
  void framesARecordAsTfRecordDoes() throws Exception {
    // the CRC-32C of "123456789" is 0xe3069283 (RFC 3720's check value); masked as TFRecord stores it
    byte[] check = "123456789".getBytes(StandardCharsets.US_ASCII);
    int crc = 0xe3069283;
    assertEquals(((crc >>> 15) | (crc << 17)) + 0xa282ead8, TfRecordWriter.maskedCrc32c(check, 0, check.length));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new TfRecordWriter(out).write(check);
    byte[] frame = out.toByteArray();
    assertEquals(8 + 4 + 9 + 4, frame.length);
    assertEquals(9, frame[0]);
    for (int i = 1; i < 8; i++) assertEquals(0, frame[i], "uint64 little-endian length");
    Path f = Files.write(dir.resolve("one.tfrecord"), frame);
    assertArrayEquals(check, TfRecords.read(f).get(0));
  }

  @Test
  void writesTheVersionFirstThenScalarsImagesAndRestarts() throws Exception {
    byte[] png = ChartWriter.confusionHeatmapPng("cm", List.of("a", "b"), new long[][] {{3, 1}, {0, 4}});
    Path file;
    try (TensorBoardLog log = TensorBoardLog.create(dir.resolve("tb"))) {
      file = log.file();
      log.sessionStart(1);
      log.scalar("train/loss", 1, 0.693);
      log.scalar("train/loss", 2, 0.5);
      log.pngImage("test/confusion_matrix", 2, png);
    }
    assertTrue(file.getFileName().toString().matches("events\\.out\\.tfevents\\.\\d{10}\\.[A-Za-z0-9._-]+"), file.toString());
    List<Event> events = TfRecords.events(file);
    assertEquals(5, events.size());
    assertEquals("brain.Event:2", events.get(0).getFileVersion());
    assertEquals(SessionLog.SessionStatus.START, events.get(1).getSessionLog().getStatus());
    assertEquals(1, events.get(1).getStep());
    Summary.Value loss = events.get(2).getSummary().getValue(0);
    assertEquals("train/loss", loss.getTag());
    assertEquals(0.693f, loss.getSimpleValue());
    assertEquals(2, events.get(3).getStep());
    Summary.Image image = events.get(4).getSummary().getValue(0).getImage();
    assertArrayEquals(png, image.getEncodedImageString().toByteArray());
    java.awt.image.BufferedImage decoded = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(png));
    assertEquals(decoded.getWidth(), image.getWidth());
    assertEquals(decoded.getHeight(), image.getHeight());
    assertTrue(events.get(4).getWallTime() > 1.7e9, "wall time in seconds since the epoch");
  }

  @Test
  void aCrashLeavesTheFlushedPrefixReadableAndANewLogNeverReusesAFile() throws Exception {
    TensorBoardLog first = TensorBoardLog.create(dir);
    first.scalar("val/loss", 1, 0.4);
    first.flush();
    byte[] flushed = Files.readAllBytes(first.file());
    first.scalar("val/loss", 2, 0.3); // buffered, never flushed: lost in a crash, the prefix stays whole
    assertEquals(2, TfRecords.read(first.file()).size());
    // a torn tail (a crash in the middle of a write) is detected by the reader, not mistaken for data
    Path torn = Files.write(dir.resolve("torn"), java.util.Arrays.copyOf(flushed, flushed.length - 3));
    assertThrows(IllegalStateException.class, () -> TfRecords.read(torn));
    byte[] corrupted = flushed.clone();
    corrupted[corrupted.length - 6] ^= 1;
    Path bad = Files.write(dir.resolve("bad"), corrupted);
    assertThrows(IllegalStateException.class, () -> TfRecords.read(bad));

    TensorBoardLog second = TensorBoardLog.create(dir); // same second, same host: takes the next free name
    assertNotEquals(first.file(), second.file());
    first.close();
    second.close();
    assertEquals(3, TfRecords.read(first.file()).size());
    assertEquals(1, TfRecords.read(second.file()).size());
    try (Stream<Path> s = Files.list(dir)) {
      assertEquals(4, s.count(), "two event files and the two test copies");
    }
  }
}
