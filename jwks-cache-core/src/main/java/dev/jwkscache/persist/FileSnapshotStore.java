package dev.jwkscache.persist;

import dev.jwkscache.PersistenceException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded snapshot store: one JSON file ({@link SnapshotCodec}) per tenant/provider pair in a
 * directory. Suited to a single instance, the demo, and tests.
 *
 * <p><b>File names</b> are derived from the ids and never contain them raw, so no id can name a
 * path outside the directory: {@code p-<hex tenant>.<hex provider>.snapshot.json} (lowercase hex of
 * the ASCII bytes, safe on case-insensitive file systems) when the ids are ASCII and the name stays
 * short, otherwise {@code h-<SHA-256 hex>.snapshot.json}. Each file also holds its ids, and a file
 * whose ids differ from the pair asked for is refused.
 *
 * <p><b>Writes</b> are crash-safe: the JSON goes to a temporary file in the same directory, which is
 * flushed to disk ({@code FileChannel.force}), then renamed over the old file atomically (falling
 * back to a replacing move where the file system has no atomic rename), and the directory itself is
 * flushed where the platform allows it. A reader sees the old snapshot or the new one, never a mix.
 * Temporary files (names starting with {@code .} and ending with {@code .tmp}) are never read; ones
 * left by a crash are deleted when a store is opened on the directory once they are a minute old.
 * On POSIX file systems the directory (when created here) and the files are private to the owner.
 *
 * <p><b>Failures</b>: a directory that cannot be created or written is reported by the constructor,
 * which writes and removes a probe file. A corrupt or foreign file makes {@link #load} throw and is
 * skipped by {@link #loadAll} with a warning naming it. Every failure is a {@link
 * PersistenceException}. Thread-safe; several threads may write the same pair (the last rename
 * wins).
 */
public final class FileSnapshotStore implements SnapshotStore {
  private static final Logger LOG = LoggerFactory.getLogger(FileSnapshotStore.class);

  /** Largest file {@link #load} reads unless told otherwise: 32 MiB. */
  public static final long DEFAULT_MAX_FILE_BYTES = 32L * 1024 * 1024;
  /** Suffix of every snapshot file. */
  public static final String SUFFIX = ".snapshot.json";
  static final String TEMP_SUFFIX = ".tmp";
  /** Temporary files older than this are leftovers of a crash (younger ones may be in use). */
  static final Duration STALE_TEMP_AGE = Duration.ofMinutes(1);
  private static final int MAX_PLAIN_NAME = 200;

  private final Path directory;
  private final long maxFileBytes;
  private final boolean posix;
  private final SecureRandom random = new SecureRandom();
  private volatile boolean directorySyncWorks = true;

  /** A store in {@code directory} (created when missing) with the default file size limit. */
  public FileSnapshotStore(Path directory) {
    this(directory, DEFAULT_MAX_FILE_BYTES);
  }

  /**
   * A store in {@code directory}, created when missing.
   *
   * @param directory where the snapshot files live
   * @param maxFileBytes files larger than this are refused when read
   * @throws PersistenceException when the directory cannot be created, is not a directory, or
   *     cannot be written
   */
  public FileSnapshotStore(Path directory, long maxFileBytes) {
    if (directory == null) {
      throw new PersistenceException("The snapshot directory is required (got null).");
    }
    if (maxFileBytes <= 0) {
      throw new PersistenceException("maxFileBytes must be greater than zero; got "
          + maxFileBytes + ".");
    }
    this.directory = directory.toAbsolutePath().normalize();
    this.maxFileBytes = maxFileBytes;
    this.posix = this.directory.getFileSystem().supportedFileAttributeViews().contains("posix");
    prepareDirectory();
    removeStaleTempFiles();
  }

  /** The directory holding the snapshot files (absolute). */
  public Path directory() {
    return directory;
  }

  /** The file that holds (or would hold) the snapshot of a pair; always directly in {@link #directory()}. */
  public Path fileFor(String tenantId, String providerId) {
    return directory.resolve(fileName(tenantId, providerId));
  }

  @Override
  public Optional<Snapshot> load(String tenantId, String providerId) {
    return read(tenantId, providerId);
  }

  @Override
  public List<Snapshot> loadAll(Collection<PairId> pairs) {
    List<Snapshot> out = new ArrayList<>(pairs == null ? 0 : pairs.size());
    if (pairs == null) {
      return out;
    }
    for (PairId pair : pairs) {
      if (pair == null) {
        continue;
      }
      try {
        read(pair.tenantId(), pair.providerId()).ifPresent(out::add);
      } catch (PersistenceException e) {
        LOG.warn("Skipping snapshot of {}: {}", PersistText.pair(pair.tenantId(),
            pair.providerId()), e.getMessage());
      }
    }
    return out;
  }

  @Override
  public void persist(Collection<Snapshot> snapshots) {
    if (snapshots == null || snapshots.isEmpty()) {
      return;
    }
    int failed = 0;
    PersistenceException first = null;
    for (Snapshot s : snapshots) {
      try {
        write(s);
      } catch (PersistenceException e) {
        failed++;
        if (first == null) {
          first = e;
        }
      }
    }
    syncDirectory();
    if (first != null) {
      if (snapshots.size() == 1) {
        throw first;
      }
      throw new PersistenceException(failed + " of " + snapshots.size()
          + " snapshots were not written; the first failure: " + first.getMessage(), first);
    }
  }

  @Override
  public void delete(String tenantId, String providerId) {
    Path file = fileFor(tenantId, providerId);
    try {
      if (Files.deleteIfExists(file)) {
        syncDirectory();
      }
    } catch (IOException e) {
      throw new PersistenceException("Could not delete snapshot file " + file + " ("
          + PersistText.pair(tenantId, providerId) + "): " + e, e);
    }
  }

  @Override
  public String toString() {
    return "FileSnapshotStore[" + directory + "]";
  }

  // ---------------------------------------------------------------- file names

  /**
   * The file name of a pair. Never empty, never {@code .} or {@code ..}, no separator, at most
   * about 210 characters, whatever the ids.
   */
  static String fileName(String tenantId, String providerId) {
    if (tenantId == null || providerId == null) {
      throw new PersistenceException("Snapshot ids are required; got "
          + PersistText.pair(tenantId, providerId) + ".");
    }
    if (!tenantId.isEmpty() && !providerId.isEmpty() && isAscii(tenantId) && isAscii(providerId)
        && 2 + 2 * (tenantId.length() + providerId.length()) + 1 + SUFFIX.length()
            <= MAX_PLAIN_NAME) {
      HexFormat hex = HexFormat.of();
      return "p-" + hex.formatHex(tenantId.getBytes(StandardCharsets.US_ASCII)) + "."
          + hex.formatHex(providerId.getBytes(StandardCharsets.US_ASCII)) + SUFFIX;
    }
    return "h-" + HexFormat.of().formatHex(digest(tenantId, providerId)) + SUFFIX;
  }

  private static boolean isAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) > 0x7f) {
        return false;
      }
    }
    return true;
  }

  /** SHA-256 over both ids, each as a length-prefixed run of UTF-16 code units. */
  private static byte[] digest(String tenantId, String providerId) {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new PersistenceException("SHA-256 is not available in this JVM.", e);
    }
    for (String s : new String[] {tenantId, providerId}) {
      ByteBuffer b = ByteBuffer.allocate(4 + 2 * s.length());
      b.putInt(s.length());
      for (int i = 0; i < s.length(); i++) {
        b.putChar(s.charAt(i));
      }
      md.update(b.array());
    }
    return md.digest();
  }

  static boolean isTempName(String name) {
    return name.startsWith(".") && name.endsWith(TEMP_SUFFIX);
  }

  // ---------------------------------------------------------------- reading

  private Optional<Snapshot> read(String tenantId, String providerId) {
    Path file = fileFor(tenantId, providerId);
    byte[] bytes;
    try (SeekableByteChannel ch = Files.newByteChannel(file, Set.of(StandardOpenOption.READ,
        LinkOption.NOFOLLOW_LINKS))) {
      long size = ch.size();
      if (size > maxFileBytes) {
        throw corrupt(file, tenantId, providerId, "it is " + size + " bytes, over the limit of "
            + maxFileBytes + " bytes", null);
      }
      ByteBuffer buf = ByteBuffer.allocate((int) size);
      while (buf.hasRemaining()) {
        if (ch.read(buf) < 0) {
          break;
        }
      }
      buf.flip();
      bytes = new byte[buf.remaining()];
      buf.get(bytes);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new PersistenceException("Could not read snapshot file " + file + " ("
          + PersistText.pair(tenantId, providerId) + "): " + e, e);
    }
    Snapshot snapshot;
    try {
      snapshot = SnapshotCodec.decode(bytes);
    } catch (PersistenceException e) {
      throw corrupt(file, tenantId, providerId, e.getMessage(), e);
    }
    if (!tenantId.equals(snapshot.tenantId()) || !providerId.equals(snapshot.providerId())) {
      throw corrupt(file, tenantId, providerId, "it holds the snapshot of "
          + PersistText.pair(snapshot.tenantId(), snapshot.providerId()), null);
    }
    return Optional.of(snapshot);
  }

  private static PersistenceException corrupt(Path file, String tenantId, String providerId,
      String why, Throwable cause) {
    String msg = "Snapshot file " + file + " (" + PersistText.pair(tenantId, providerId)
        + ") is unusable: " + why;
    return cause == null ? new PersistenceException(msg) : new PersistenceException(msg, cause);
  }

  // ---------------------------------------------------------------- writing

  private void write(Snapshot s) {
    if (s == null) {
      throw new PersistenceException("Cannot persist a null snapshot.");
    }
    Path target = fileFor(s.tenantId(), s.providerId());
    byte[] bytes = SnapshotCodec.encodeToBytes(s);
    Path tmp = null;
    try {
      tmp = writeTemp("." + target.getFileName() + ".", bytes);
      moveIntoPlace(tmp, target);
    } catch (IOException e) {
      deleteQuietly(tmp);
      throw new PersistenceException("Could not write snapshot file " + target + " ("
          + PersistText.pair(s.tenantId(), s.providerId()) + "): " + e, e);
    }
  }

  /** Writes and flushes a new temporary file in the directory; returns its path. */
  private Path writeTemp(String prefix, byte[] bytes) throws IOException {
    byte[] nonce = new byte[8];
    random.nextBytes(nonce);
    Path tmp = directory.resolve(prefix + HexFormat.of().formatHex(nonce) + TEMP_SUFFIX);
    Set<OpenOption> options = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    FileAttribute<?>[] attrs = posix
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(
            PosixFilePermissions.fromString("rw-------"))}
        : new FileAttribute<?>[0];
    boolean done = false;
    try (FileChannel ch = FileChannel.open(tmp, options, attrs)) {
      ByteBuffer buf = ByteBuffer.wrap(bytes);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
      done = true;
    } finally {
      if (!done) {
        deleteQuietly(tmp);
      }
    }
    return tmp;
  }

  private static void moveIntoPlace(Path tmp, Path target) throws IOException {
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** Flushes the directory entry changes (renames, deletes) where the platform supports it. */
  private void syncDirectory() {
    if (!directorySyncWorks) {
      return;
    }
    try (FileChannel ch = FileChannel.open(directory, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // Windows cannot open a directory as a channel; renames there are durable enough.
      directorySyncWorks = false;
      LOG.debug("Directory sync is not supported for {}: {}", directory, e.toString());
    }
  }

  private static void deleteQuietly(Path p) {
    if (p == null) {
      return;
    }
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      LOG.debug("Could not delete {}: {}", p, e.toString());
    }
  }

  // ---------------------------------------------------------------- start-up

  private void prepareDirectory() {
    if (Files.isDirectory(directory)) {
      // exists: fall through to the probe
    } else if (Files.exists(directory, LinkOption.NOFOLLOW_LINKS)) {
      throw new PersistenceException("Snapshot directory " + directory
          + " exists but is not a directory. Point the file store at a directory.");
    } else {
      try {
        if (posix) {
          Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(
              PosixFilePermissions.fromString("rwx------")));
        } else {
          Files.createDirectories(directory);
        }
      } catch (FileAlreadyExistsException e) {
        throw new PersistenceException("Cannot create snapshot directory " + directory + ": "
            + e.getFile() + " exists and is not a directory.", e);
      } catch (IOException | SecurityException e) {
        throw new PersistenceException("Cannot create snapshot directory " + directory + ": "
            + e + ". Create it, or choose a writable location.", e);
      }
    }
    Path probe = null;
    try {
      probe = writeTemp(".probe-", "probe".getBytes(StandardCharsets.US_ASCII));
      Files.delete(probe);
    } catch (IOException | SecurityException e) {
      deleteQuietly(probe);
      throw new PersistenceException("Snapshot directory " + directory + " is not writable: " + e
          + ". Fix its permissions or mount, or choose another directory.", e);
    }
  }

  private void removeStaleTempFiles() {
    Instant cutoff = Instant.now().minus(STALE_TEMP_AGE);
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory,
        p -> isTempName(p.getFileName().toString()))) {
      for (Path p : entries) {
        try {
          FileTime modified = Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS);
          if (modified.toInstant().isBefore(cutoff)) {
            Files.deleteIfExists(p);
            LOG.info("Removed temporary snapshot file {} left by an interrupted write", p);
          }
        } catch (IOException e) {
          LOG.debug("Could not remove temporary file {}: {}", p, e.toString());
        }
      }
    } catch (IOException e) {
      LOG.warn("Could not scan snapshot directory {} for leftover temporary files: {}", directory,
          e.toString());
    }
  }
}
