package io.tideway.schemas.client;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A map with a capacity that forgets its oldest entries first. Reads take no lock, because the
 * serde reads it for every record; a load runs outside any lock, so two threads missing the same
 * key at once may both load it, which the registry's idempotent answers make harmless.
 */
final class BoundedCache<K, V> {

  private final int capacity;
  private final ConcurrentHashMap<K, V> entries = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<K> order = new ConcurrentLinkedQueue<>();

  BoundedCache(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1, not " + capacity);
    }
    this.capacity = capacity;
  }

  V get(K key) {
    return entries.get(key);
  }

  V getOrLoad(K key, Function<? super K, ? extends V> loader) {
    V value = entries.get(key);
    return value != null ? value : put(key, loader.apply(key));
  }

  /** Adds an entry unless one is there already; returns the entry that stays. */
  V put(K key, V value) {
    V earlier = entries.putIfAbsent(key, value);
    if (earlier != null) {
      return earlier;
    }
    order.add(key);
    while (entries.size() > capacity) {
      K eldest = order.poll();
      if (eldest == null) {
        break;
      }
      entries.remove(eldest);
    }
    return value;
  }

  void removeIf(Predicate<? super K> test) {
    entries.keySet().removeIf(test);
    order.removeIf(test);
  }

  int size() {
    return entries.size();
  }
}
