package dev.jwkscache.persist;

import dev.jwkscache.PersistenceException;
import dev.jwkscache.ValidationException;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 * <p><b>Bulk writes</b> of more than one snapshot (and bulk reads of many pairs) are spread over a few
 * threads (8 by default), because flushing each file to disk is the cost and the file system can merge
 * concurrent flushes. Flushing can be turned off ({@link Builder#fsync(boolean)}) where losing the
 * last writes in a power cut is acceptable: a file left empty or half-flushed by a crash is then
 * skipped like any corrupt file, and that pair is fetched upstream on the next start.
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

  /** Bulk reads of fewer pairs than this run on the caller's thread. */
  private static final int PARALLEL_READ_THRESHOLD = 64;
  /** Threads shared by bulk reads and writes unless told otherwise. */
  public static final int DEFAULT_IO_THREADS = 8;

  private final Path directory;
  private final long maxFileBytes;
  private final boolean fsync;
  private final int ioThreads;
  private final boolean posix;
  private final SecureRandom random = new SecureRandom();
  private final ThreadPoolExecutor ioPool;
  private volatile boolean directorySyncWorks = true;
  private volatile boolean closed;

  /**
   * A store in {@code directory} (created when missing) with the default settings: files flushed
   * to disk, 32 MiB file limit, 8 I/O threads for bulk reads and writes.
   *
   * @throws PersistenceException when the directory cannot be created, is not a directory, or
   *     cannot be written
   */
  public FileSnapshotStore(Path directory) {
    this(builder(directory));
  }

  /** A builder for a store in {@code directory}. */
  public static Builder builder(Path directory) {
    return new Builder(directory);
  }

  private FileSnapshotStore(Builder b) {
    if (b.directory == null) {
      throw new PersistenceException("The snapshot directory is required (got null).");
    }
    this.directory = b.directory.toAbsolutePath().normalize();
    this.maxFileBytes = b.maxFileBytes;
    this.fsync = b.fsync;
    this.ioThreads = b.ioThreads;
    this.posix = this.directory.getFileSystem().supportedFileAttributeViews().contains("posix");
    prepareDirectory();
    removeStaleTempFiles();
    if (ioThreads > 1) {
      AtomicInteger n = new AtomicInteger();
      this.ioPool = new ThreadPoolExecutor(ioThreads, ioThreads, 10, TimeUnit.SECONDS,
          new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "jwks-cache-file-store-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
          });
      this.ioPool.allowCoreThreadTimeOut(true);
    } else {
      this.ioPool = null;
    }
  }

  /** The directory holding the snapshot files (absolute). */
  public Path directory() {
    return directory;
  }

  /**
   * The file that holds (or would hold) the snapshot of a pair; always directly inside {@link
   * #directory()}, whatever the ids.
   */
  public Path fileFor(String tenantId, String providerId) {
    return directory.resolve(fileName(tenantId, providerId));
  }

  @Override
  public Optional<Snapshot> load(String tenantId, String providerId) {
    ensureOpen();
    return read(tenantId, providerId);
  }

  @Override
  public List<Snapshot> loadAll(Collection<PairId> pairs) {
    ensureOpen();
    if (pairs == null || pairs.isEmpty()) {
      return new ArrayList<>();
    }
    if (ioPool == null || pairs.size() < PARALLEL_READ_THRESHOLD) {
      return readAll(pairs);
    }
    List<PairId> list = new ArrayList<>(pairs);
    int parts = Math.min(ioThreads, list.size());
    int chunk = (list.size() + parts - 1) / parts;
    List<Future<List<Snapshot>>> futures = new ArrayList<>(parts);
    try {
      for (int from = 0; from < list.size(); from += chunk) {
        List<PairId> part = list.subList(from, Math.min(list.size(), from + chunk));
        futures.add(ioPool.submit(() -> readAll(part)));
      }
    } catch (RejectedExecutionException e) {
      futures.forEach(f -> f.cancel(false));
      throw new PersistenceException("The file snapshot store for " + directory
          + " is closed.", e);
    }
    List<Snapshot> out = new ArrayList<>(list.size());
    for (Future<List<Snapshot>> f : futures) {
      try {
        out.addAll(f.get());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        futures.forEach(x -> x.cancel(false));
        throw new PersistenceException("Interrupted while reading snapshots from " + directory
            + ".", e);
      } catch (ExecutionException e) {
        throw new PersistenceException("Could not read snapshots from " + directory + ": "
            + e.getCause(), e.getCause());
      }
    }
    return out;
  }

  private List<Snapshot> readAll(Collection<PairId> pairs) {
    List<Snapshot> out = new ArrayList<>(pairs.size());
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

  /**
   * Writes each snapshot to its file. A snapshot that cannot be written does not stop the others;
   * the failures are reported together afterwards.
   *
   * @throws PersistenceException when at least one snapshot was not written (the message counts
   *     them and quotes the first failure)
   */
  @Override
  public void persist(Collection<Snapshot> snapshots) {
    ensureOpen();
    if (snapshots == null || snapshots.isEmpty()) {
      return;
    }
    List<PersistenceException> failures = ioPool == null || snapshots.size() == 1
        ? writeAll(snapshots)
        : writeInParallel(new ArrayList<>(snapshots));
    syncDirectory();
    if (!failures.isEmpty()) {
      int failed = failures.size();
      PersistenceException first = failures.get(0);
      if (snapshots.size() == 1) {
        throw first;
      }
      throw new PersistenceException(failed + " of " + snapshots.size()
          + " snapshots were not written; the first failure: " + first.getMessage(), first);
    }
  }

  @Override
  public void delete(String tenantId, String providerId) {
    ensureOpen();
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

  /** Stops the I/O threads; later calls fail with a PersistenceException. Idempotent. */
  @Override
  public void close() {
    closed = true;
    if (ioPool != null) {
      ioPool.shutdown();
    }
  }

  @Override
  public String toString() {
    return "FileSnapshotStore[" + directory + "]";
  }

  private void ensureOpen() {
    if (closed) {
      throw new PersistenceException("The file snapshot store for " + directory
          + " is closed.");
    }
  }

  private List<PersistenceException> writeAll(Collection<Snapshot> snapshots) {
    List<PersistenceException> failures = new ArrayList<>();
    for (Snapshot s : snapshots) {
      try {
        write(s);
      } catch (PersistenceException e) {
        failures.add(e);
      } catch (RuntimeException e) {
        failures.add(new PersistenceException("Could not write a snapshot: " + e, e));
      }
    }
    return failures;
  }

  private List<PersistenceException> writeInParallel(List<Snapshot> snapshots) {
    int parts = Math.min(ioThreads, snapshots.size());
    int chunk = (snapshots.size() + parts - 1) / parts;
    List<Future<List<PersistenceException>>> futures = new ArrayList<>(parts);
    try {
      for (int from = 0; from < snapshots.size(); from += chunk) {
        List<Snapshot> part = snapshots.subList(from, Math.min(snapshots.size(), from + chunk));
        futures.add(ioPool.submit(() -> writeAll(part)));
      }
    } catch (RejectedExecutionException e) {
      futures.forEach(f -> f.cancel(false));
      throw new PersistenceException("The file snapshot store for " + directory
          + " is closed.", e);
    }
    List<PersistenceException> failures = new ArrayList<>();
    for (Future<List<PersistenceException>> f : futures) {
      try {
        failures.addAll(f.get());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        futures.forEach(x -> x.cancel(false));
        throw new PersistenceException("Interrupted while writing snapshots to " + directory
            + "; some may not have been written.", e);
      } catch (ExecutionException e) {
        failures.add(new PersistenceException("Could not write snapshots: " + e.getCause(),
            e.getCause()));
      }
    }
    return failures;
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
      if (fsync) {
        ch.force(true);
      }
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
    if (!fsync || !directorySyncWorks) {
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

  /** Settings of a {@link FileSnapshotStore}. */
  public static final class Builder {
    private final Path directory;
    private long maxFileBytes = DEFAULT_MAX_FILE_BYTES;
    private boolean fsync = true;
    private int ioThreads = DEFAULT_IO_THREADS;

    private Builder(Path directory) {
      this.directory = directory;
    }

    /** Files larger than this are refused when read (default 32 MiB); must be positive. */
    public Builder maxFileBytes(long value) {
      if (value <= 0) {
        throw new ValidationException("max_file_bytes", "Must be greater than zero; got " + value
            + ".");
      }
      this.maxFileBytes = value;
      return this;
    }

    /**
     * Whether each file and the directory are flushed to disk before a write returns (default
     * true). Off, writes are much faster and a crash or power cut may lose the latest snapshots or
     * leave empty files, which are then skipped as corrupt.
     */
    public Builder fsync(boolean value) {
      this.fsync = value;
      return this;
    }

    /**
     * Threads that share a bulk write or a large bulk read (default 8; 1 does all work on the
     * caller's thread).
     */
    public Builder ioThreads(int value) {
      if (value < 1 || value > 64) {
        throw new ValidationException("io_threads", "Must be 1 to 64; got " + value + ".");
      }
      this.ioThreads = value;
      return this;
    }

    /**
     * Opens the store: creates the directory when missing, checks that it can be written (a probe
     * file is written and removed) and removes temporary files left by a crash.
     *
     * @throws PersistenceException when the directory cannot be created, is not a directory, or
     *     cannot be written
     */
    public FileSnapshotStore build() {
      return new FileSnapshotStore(this);
    }
  }
}
