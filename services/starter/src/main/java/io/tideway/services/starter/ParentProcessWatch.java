package io.tideway.services.starter;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;

/**
 * Ends the service when the process that started it ends ({@code tideway.service.parent-pid}), so
 * that a platform killed with {@code kill -9} leaves no service behind holding its port. The exit
 * runs the shutdown hooks: the service stops gracefully.
 */
class ParentProcessWatch implements ApplicationListener<ApplicationReadyEvent> {

  private static final Logger log = LoggerFactory.getLogger(ParentProcessWatch.class);

  private final ServiceProperties properties;

  ParentProcessWatch(ServiceProperties properties) {
    this.properties = properties;
  }

  @Override
  public void onApplicationEvent(ApplicationReadyEvent event) {
    if (properties.parentPid() == null) {
      return;
    }
    ProcessHandle.of(properties.parentPid())
        .ifPresentOrElse(
            parent -> parent.onExit().thenRun(ParentProcessWatch::exit), ParentProcessWatch::exit);
  }

  private static void exit() {
    log.warn("The process that started this service has ended; stopping");
    System.exit(0);
  }
}
