package io.tideway.testkit;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The JUnit 5 extension behind {@link TidewayTest}. It keeps the shared broker and PostgreSQL
 * server in the root context, so they start once per test JVM and stop when the JVM's tests are
 * done, and hands each test its own {@link TestKafka} and {@link TestDatabase}, closed after that
 * test.
 */
public final class TidewayExtension implements ParameterResolver {

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(TidewayExtension.class);

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == TestKafka.class || type == TestDatabase.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    SharedPlatform platform = sharedPlatform(context);
    ExtensionContext.Store store = context.getStore(NAMESPACE);
    try {
      if (type == TestKafka.class) {
        return store.getOrComputeIfAbsent(
            TestKafka.class, key -> new TestKafka(platform.kafka()), TestKafka.class);
      }
      return store.getOrComputeIfAbsent(
          TestDatabase.class,
          key -> TestDatabase.create(platform.postgres(), platform.superuserPassword()),
          TestDatabase.class);
    } catch (RuntimeException e) {
      throw new ParameterResolutionException("Cannot provide " + type.getSimpleName(), e);
    }
  }

  private static SharedPlatform sharedPlatform(ExtensionContext context) {
    return context
        .getRoot()
        .getStore(NAMESPACE)
        .getOrComputeIfAbsent(
            SharedPlatform.class, key -> SharedPlatform.start(), SharedPlatform.class);
  }
}
