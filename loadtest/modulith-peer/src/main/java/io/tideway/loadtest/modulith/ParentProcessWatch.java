package io.tideway.loadtest.modulith;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Ends the peer when the process that started it ends ({@code TIDEWAY_SERVICE_PARENT_PID}, as the
 * benchmark's launcher passes it), so a benchmark killed with {@code kill -9} leaves no peer behind
 * holding its port. Without the setting the peer runs on its own.
 */
@Component
class ParentProcessWatch {

  private static final Logger log = LoggerFactory.getLogger(ParentProcessWatch.class);

  private final Long parentPid;

  ParentProcessWatch(@Value("${tideway.service.parent-pid:#{null}}") Long parentPid) {
    this.parentPid = parentPid;
  }

  @EventListener(ApplicationReadyEvent.class)
  void watch() {
    if (parentPid == null) {
      return;
    }
    ProcessHandle.of(parentPid)
        .ifPresentOrElse(
            parent -> parent.onExit().thenRun(ParentProcessWatch::exit), ParentProcessWatch::exit);
  }

  private static void exit() {
    log.warn("The process that started the peer has ended; stopping");
    System.exit(0);
  }
}
