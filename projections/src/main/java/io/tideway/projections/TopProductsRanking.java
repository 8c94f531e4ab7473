package io.tideway.projections;

import io.tideway.projections.model.ProductSales;
import io.tideway.projections.model.TopProducts;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Ranks the products of the five-minute window that ends with the current minute (the last five
 * minutes) whenever one of its totals changes. It gets every product's totals of every window, one
 * product each ({@code product-sales-5m}'s updates, all under one key so that one task sees every
 * partition's products), and keeps them in {@value #STORE} until their window is older than the one
 * ranked: a product whose sales are older than the change still counts. The ranking costs one read
 * per product sold in the window.
 */
final class TopProductsRanking implements FixedKeyProcessor<String, TopProducts, TopProducts> {

  static final String NAME = "top-products-ranking";

  /** Each window's totals by product: {@code <window start, 13 digits>/<product id>}. */
  static final String STORE = "top-products-window-sales";

  private FixedKeyProcessorContext<String, TopProducts> context;
  private KeyValueStore<String, ProductSales> totals;

  @Override
  public void init(FixedKeyProcessorContext<String, TopProducts> context) {
    this.context = context;
    this.totals = context.getStateStore(STORE);
  }

  @Override
  public void process(FixedKeyRecord<String, TopProducts> record) {
    TopProducts update = record.value();
    long start = update.getWindowStart().toEpochMilli();
    for (ProductSales total : update.getTop()) {
      totals.put(key(start, total.getProductId()), total);
    }
    // The current minute is the task's, the latest sale of any product it has read: an update's
    // own time is its product's latest sale in the window, which may be a minute behind another's,
    // and ranked by it, a change to the current window was taken for one to an older window.
    long minute = SalesAnalytics.ONE_MINUTE.toMillis();
    long currentEnd = context.currentStreamTimeMs() / minute * minute + minute;
    if (update.getWindowEnd().toEpochMilli() != currentEnd) {
      return;
    }
    forgetBefore(start);
    List<ProductSales> products = new ArrayList<>();
    try (KeyValueIterator<String, ProductSales> window =
        totals.range(key(start, ""), key(start + 1, ""))) {
      window.forEachRemaining(entry -> products.add(entry.value));
    }
    products.sort(
        Comparator.comparing(ProductSales::getRevenue)
            .reversed()
            .thenComparing(ProductSales::getProductId));
    context.forward(
        record.withValue(
            new TopProducts(
                update.getWindowStart(),
                update.getWindowEnd(),
                List.copyOf(products.subList(0, Math.min(SalesAnalytics.TOP, products.size()))))));
  }

  /** Drops the totals of windows that started before {@code start}: none is ranked again. */
  private void forgetBefore(long start) {
    List<String> old = new ArrayList<>();
    try (KeyValueIterator<String, ProductSales> earlier =
        totals.range(key(0, ""), key(start, ""))) {
      earlier.forEachRemaining(entry -> old.add(entry.key));
    }
    old.forEach(totals::delete);
  }

  private static String key(long windowStart, String productId) {
    return String.format("%013d/%s", windowStart, productId);
  }
}
