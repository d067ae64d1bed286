package dev.jwkscache.persist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jwkscache.PersistenceException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSnapshotStoreTest {
  @TempDir
  Path root;

  private final List<Path> immutableDirs = new ArrayList<>();

  @AfterEach
  void undoImmutable() throws Exception {
    for (Path p : immutableDirs) {
      new ProcessBuilder("chattr", "-i", p.toString()).inheritIO().start().waitFor();
    }
  }

  private FileSnapshotStore store() {
    return new FileSnapshotStore(root.resolve("snapshots"));
  }

  private static List<String> names(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
    }
  }

  @Test
  void roundTripOverwriteAndDelete() {
    FileSnapshotStore store = store();
    Snapshot s = Snapshots.google("acme", "google").withSeal("k1:xyz");
    assertThat(store.load("acme", "google")).isEmpty();
    store.persist(List.of(s));
    assertThat(store.load("acme", "google")).contains(s);

    Snapshot newer = Snapshot.of("acme", "google", "{\"keys\":[]}", "\"v2\"", null,
        s.expiresAt().plusSeconds(60), s.persistedAt().plusSeconds(60));
    store.persist(List.of(newer));
    assertThat(store.load("acme", "google")).contains(newer);
    assertThat(store.loadAll(List.of(new SnapshotStore.PairId("acme", "google"),
        new SnapshotStore.PairId("acme", "absent")))).containsExactly(newer);

    store.delete("acme", "google");
    assertThat(store.load("acme", "google")).isEmpty();
    assertThatCode(() -> store.delete("acme", "google")).doesNotThrowAnyException();
  }

  @Test
  void createsTheDirectoryAndWritesOneFilePerPair() throws IOException {
    FileSnapshotStore store = store();
    assertThat(store.directory()).isDirectory();
    store.persist(List.of(Snapshots.simple("a", "x"), Snapshots.simple("a", "y"),
        Snapshots.simple("b", "x")));
    assertThat(names(store.directory())).hasSize(3)
        .allMatch(n -> n.endsWith(FileSnapshotStore.SUFFIX));
    assertThat(store.fileFor("acme", "google").getFileName().toString())
        .isEqualTo("p-61636d65.676f6f676c65.snapshot.json");
  }

  @Test
  void hostileIdsNeverEscapeTheDirectory() throws IOException {
    FileSnapshotStore store = store();
    List<String[]> ids = List.of(
        new String[] {"../../etc", "passwd"},
        new String[] {"..", ".."},
        new String[] {".", "."},
        new String[] {"a/b", "c/../../d"},
        new String[] {"/abs/path", "\\windows\\path"},
        new String[] {"C:", "x:y"},
        new String[] {"nul\u0000byte", "new\nline"},
        new String[] {"t\u00e9nant", "\u63d0\u4f9b\u8005-\ud83d\ude00"},
        new String[] {"\ud800lonely", "surrogate"},
        new String[] {"", ""},
        new String[] {"x".repeat(5_000), "y".repeat(5_000)},
        new String[] {"a".repeat(64), "b".repeat(64)},
        new String[] {"Acme", "Google"},
        new String[] {"acme", "google"});
    for (String[] id : ids) {
      Path file = store.fileFor(id[0], id[1]);
      assertThat(file.getParent()).isEqualTo(store.directory());
      assertThat(file.getFileName().toString()).hasSizeLessThanOrEqualTo(210)
          .doesNotContain("/").doesNotContain("\\").doesNotStartWith(".");
      store.persist(List.of(Snapshots.simple(id[0], id[1])));
    }
    for (String[] id : ids) {
      assertThat(store.load(id[0], id[1])).as(id[0]).contains(Snapshots.simple(id[0], id[1]));
    }
    // nothing was written anywhere but the store's own directory, and every pair has its own file
    assertThat(names(root)).containsExactly("snapshots");
    assertThat(names(store.directory())).hasSize(ids.size());
    // case-insensitive file systems: names differing only by case would collide
    assertThat(names(store.directory()).stream().map(String::toLowerCase).distinct())
        .hasSize(ids.size());
  }

  @Test
  void corruptFileIsSkippedByLoadAllWithAWarningAndThrownByLoad() throws IOException {
    FileSnapshotStore store = store();
    store.persist(List.of(Snapshots.simple("t", "a"), Snapshots.simple("t", "b"),
        Snapshots.simple("t", "c")));
    Path corrupt = store.fileFor("t", "b");
    Files.writeString(corrupt, "{\"tenant_id\":\"t\", truncated");

    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    List<Snapshot> loaded;
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      loaded = store.loadAll(List.of(new SnapshotStore.PairId("t", "a"),
          new SnapshotStore.PairId("t", "b"), new SnapshotStore.PairId("t", "c")));
    } finally {
      System.setErr(original);
    }
    assertThat(loaded).containsExactly(Snapshots.simple("t", "a"), Snapshots.simple("t", "c"));
    assertThat(captured.toString(StandardCharsets.UTF_8)).contains("WARN")
        .contains(corrupt.toString());

    assertThatThrownBy(() -> store.load("t", "b")).isInstanceOf(PersistenceException.class)
        .hasMessageContaining(corrupt.toString())
        .hasMessageContaining("tenant 't', provider 'b'");
  }

  @Test
  void emptyAndBinaryFilesAreCorruptNotFatal() throws IOException {
    FileSnapshotStore store = store();
    Files.write(store.fileFor("t", "empty"), new byte[0]);
    Files.write(store.fileFor("t", "binary"), new byte[] {(byte) 0xff, 0, (byte) 0xfe, 10});
    store.persist(List.of(Snapshots.simple("t", "good")));
    assertThatThrownBy(() -> store.load("t", "empty")).isInstanceOf(PersistenceException.class);
    assertThatThrownBy(() -> store.load("t", "binary")).isInstanceOf(PersistenceException.class);
    assertThat(store.loadAll(List.of(new SnapshotStore.PairId("t", "empty"),
        new SnapshotStore.PairId("t", "binary"), new SnapshotStore.PairId("t", "good"))))
        .containsExactly(Snapshots.simple("t", "good"));
  }

  @Test
  void aFileHoldingAnotherPairIsRefused() throws IOException {
    FileSnapshotStore store = store();
    store.persist(List.of(Snapshots.simple("attacker", "idp")));
    Files.move(store.fileFor("attacker", "idp"), store.fileFor("victim", "idp"));
    assertThatThrownBy(() -> store.load("victim", "idp")).isInstanceOf(PersistenceException.class)
        .hasMessageContaining("'attacker'");
    assertThat(store.loadAll(List.of(new SnapshotStore.PairId("victim", "idp")))).isEmpty();
  }

  @Test
  void symlinkInPlaceOfASnapshotIsNotFollowed() throws IOException {
    FileSnapshotStore store = store();
    Path outside = root.resolve("outside.json");
    Files.writeString(outside, SnapshotCodec.encode(Snapshots.simple("t", "p")));
    try {
      Files.createSymbolicLink(store.fileFor("t", "p"), outside);
    } catch (UnsupportedOperationException | IOException e) {
      Assumptions.abort("symbolic links are not supported here: " + e);
    }
    assertThatThrownBy(() -> store.load("t", "p")).isInstanceOf(PersistenceException.class);
  }

  @Test
  void oversizedFileIsRefused() {
    FileSnapshotStore store = FileSnapshotStore.builder(root.resolve("small"))
        .maxFileBytes(100).build();
    store.persist(List.of(Snapshots.google("t", "p")));
    assertThatThrownBy(() -> store.load("t", "p")).isInstanceOf(PersistenceException.class)
        .hasMessageContaining("over the limit of 100 bytes");
  }

  @Test
  void halfWrittenTempFilesAreIgnoredAndStaleOnesCleaned() throws IOException {
    FileSnapshotStore store = store();
    store.persist(List.of(Snapshots.simple("t", "a")));
    String aName = store.fileFor("t", "a").getFileName().toString();
    String bName = store.fileFor("t", "b").getFileName().toString();
    // what a crash between write and rename leaves behind: half a JSON document
    Path staleA = store.directory().resolve("." + aName + ".0123456789abcdef.tmp");
    Path staleB = store.directory().resolve("." + bName + ".fedcba9876543210.tmp");
    Path fresh = store.directory().resolve("." + bName + ".1111111111111111.tmp");
    Files.writeString(staleA, "{\"tenant_id\":\"t\",\"provider_id\":\"a\",\"jwks_");
    Files.writeString(staleB, SnapshotCodec.encode(Snapshots.simple("t", "b")));
    Files.writeString(fresh, "{\"tenant_");

    assertThat(store.load("t", "a")).contains(Snapshots.simple("t", "a"));
    assertThat(store.load("t", "b")).isEmpty(); // a temp file is never a snapshot, even if whole
    assertThat(store.loadAll(List.of(new SnapshotStore.PairId("t", "a"),
        new SnapshotStore.PairId("t", "b")))).containsExactly(Snapshots.simple("t", "a"));

    FileTime old = FileTime.from(Instant.now().minusSeconds(3600));
    Files.setLastModifiedTime(staleA, old);
    Files.setLastModifiedTime(staleB, old);
    FileSnapshotStore reopened = store();
    assertThat(staleA).doesNotExist();
    assertThat(staleB).doesNotExist();
    assertThat(fresh).exists(); // young: maybe another writer's, left alone
    assertThat(reopened.load("t", "a")).contains(Snapshots.simple("t", "a"));
  }

  @Test
  void noTempFilesRemainAfterWrites() throws IOException {
    FileSnapshotStore store = store();
    for (int i = 0; i < 20; i++) {
      store.persist(List.of(Snapshots.simple("t", "p" + (i % 3))));
    }
    assertThat(names(store.directory())).hasSize(3).noneMatch(FileSnapshotStore::isTempName);
  }

  @Test
  void concurrentWritersOfOnePairLeaveAValidFile() throws Exception {
    FileSnapshotStore store = store();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int w = 0; w < 4; w++) {
        int writer = w;
        futures.add(pool.submit(() -> {
          for (int i = 0; i < 25; i++) {
            store.persist(List.of(Snapshot.of("t", "p", "{\"keys\":[],\"w\":" + writer + "}",
                "\"" + i + "\"", null, Snapshots.EXPIRES, Snapshots.PERSISTED)));
          }
        }));
      }
      for (Future<?> f : futures) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    Optional<Snapshot> last = store.load("t", "p");
    assertThat(last).isPresent();
    assertThat(last.get().etag()).isEqualTo("\"24\"");
    assertThat(names(store.directory())).hasSize(1);
  }

  @Test
  void aBadSnapshotInABatchDoesNotStopTheOthers() {
    FileSnapshotStore store = store();
    Snapshot bad = Snapshot.of("t", "bad", "{}", null, null, null, Instant.now());
    assertThatThrownBy(() -> store.persist(List.of(Snapshots.simple("t", "a"), bad,
        Snapshots.simple("t", "c"))))
        .isInstanceOf(PersistenceException.class)
        .hasMessageContaining("1 of 3")
        .hasMessageContaining("expires_at");
    assertThat(store.load("t", "a")).isPresent();
    assertThat(store.load("t", "c")).isPresent();
    assertThatThrownBy(() -> store.persist(List.of(bad))).isInstanceOf(PersistenceException.class)
        .hasMessageContaining("expires_at");
  }

  @Test
  void bulkWritesSpreadOverThreadsAndReportFailuresTogether() {
    FileSnapshotStore store = FileSnapshotStore.builder(root.resolve("bulk")).ioThreads(4)
        .build();
    List<Snapshot> batch = new ArrayList<>();
    List<SnapshotStore.PairId> pairs = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      batch.add(Snapshots.simple("tenant-" + i, "idp"));
      pairs.add(new SnapshotStore.PairId("tenant-" + i, "idp"));
    }
    store.persist(batch);
    assertThat(store.loadAll(pairs)).containsExactlyElementsOf(batch);

    List<Snapshot> withBad = new ArrayList<>(batch);
    withBad.set(250, Snapshot.of("tenant-250", "idp", "{}", null, null, null, Instant.now()));
    withBad.set(499, null);
    assertThatThrownBy(() -> store.persist(withBad)).isInstanceOf(PersistenceException.class)
        .hasMessageContaining("2 of 500");
    store.close();
  }

  @Test
  void withoutFsyncTheFormatIsTheSame() {
    FileSnapshotStore store = FileSnapshotStore.builder(root.resolve("nosync")).fsync(false)
        .ioThreads(1).build();
    Snapshot s = Snapshots.google("acme", "google");
    store.persist(List.of(s, Snapshots.simple("acme", "okta")));
    assertThat(store.load("acme", "google")).contains(s);
    assertThat(new FileSnapshotStore(root.resolve("nosync")).load("acme", "google")).contains(s);
  }

  @Test
  void closedStoreRefusesWork() {
    FileSnapshotStore store = store();
    store.close();
    store.close();
    assertThatThrownBy(() -> store.persist(List.of(Snapshots.simple("t", "p"))))
        .isInstanceOf(PersistenceException.class).hasMessageContaining("closed");
    assertThatThrownBy(() -> store.load("t", "p")).isInstanceOf(PersistenceException.class);
  }

  @Test
  void builderRejectsNonsense() {
    assertThatThrownBy(() -> FileSnapshotStore.builder(root).maxFileBytes(0))
        .isInstanceOf(dev.jwkscache.ValidationException.class);
    assertThatThrownBy(() -> FileSnapshotStore.builder(root).ioThreads(0))
        .isInstanceOf(dev.jwkscache.ValidationException.class);
    assertThatThrownBy(() -> new FileSnapshotStore(null)).isInstanceOf(PersistenceException.class);
  }

  @Test
  void filesArePrivateToTheOwnerOnPosix() throws IOException {
    FileSnapshotStore store = store();
    Assumptions.assumeTrue(store.directory().getFileSystem().supportedFileAttributeViews()
        .contains("posix"), "not a POSIX file system");
    store.persist(List.of(Snapshots.simple("t", "p")));
    assertThat(Files.getPosixFilePermissions(store.fileFor("t", "p")))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(Files.getPosixFilePermissions(store.directory()))
        .isEqualTo(PosixFilePermissions.fromString("rwx------"));
  }

  @Test
  void aDirectoryUnderARegularFileIsRefusedAtConstruction() throws IOException {
    Path file = Files.writeString(root.resolve("plain-file"), "x");
    assertThatThrownBy(() -> new FileSnapshotStore(file.resolve("snapshots")))
        .isInstanceOf(PersistenceException.class)
        .hasMessageContaining("Cannot create snapshot directory")
        .hasMessageContaining(file.resolve("snapshots").toString());
    assertThatThrownBy(() -> new FileSnapshotStore(file))
        .isInstanceOf(PersistenceException.class)
        .hasMessageContaining("not a directory");
  }

  @Test
  void aReadOnlyDirectoryIsRefusedAtConstruction() throws Exception {
    Path dir = Files.createDirectory(root.resolve("read-only"));
    makeReadOnly(dir);
    assertThatThrownBy(() -> new FileSnapshotStore(dir))
        .isInstanceOf(PersistenceException.class)
        .hasMessageContaining("is not writable")
        .hasMessageContaining(dir.toString());
    // and a directory that would have to be created inside it
    assertThatThrownBy(() -> new FileSnapshotStore(dir.resolve("sub")))
        .isInstanceOf(PersistenceException.class)
        .hasMessageContaining("Cannot create snapshot directory");
  }

  /**
   * Makes a directory that this process really cannot write to. As root, POSIX permissions do not
   * stop writes, so the immutable attribute ({@code chattr +i}) is used; otherwise mode 0555.
   * Aborts the test (skipped, with the reason) only when neither works.
   */
  private void makeReadOnly(Path dir) throws Exception {
    boolean posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
    if (posix) {
      Files.setPosixFilePermissions(dir, Set.of(PosixFilePermission.OWNER_READ,
          PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.GROUP_READ,
          PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_EXECUTE));
      if (!canWrite(dir)) {
        return;
      }
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    String why;
    try {
      Process p = new ProcessBuilder("chattr", "+i", dir.toString()).redirectErrorStream(true)
          .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      int rc = p.waitFor();
      if (rc == 0) {
        immutableDirs.add(dir);
        if (!canWrite(dir)) {
          return;
        }
        why = "chattr +i succeeded but the directory is still writable";
      } else {
        why = "chattr +i failed (" + rc + "): " + out;
      }
    } catch (IOException e) {
      why = "chattr is not available: " + e.getMessage();
    }
    Assumptions.abort("Cannot make a directory read-only for this process (running as root, so"
        + " permissions do not apply; " + why + ")");
  }

  private static boolean canWrite(Path dir) {
    try {
      Files.delete(Files.createFile(dir.resolve("can-i-write")));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
