import Foundation
import Synchronization

/// Ctrl-C (SIGINT) and SIGTERM during training. The first asks the run to stop after the
/// current step, so it can write a checkpoint and say how to resume; a second one exits at
/// once (130), for a user who does not want to wait.
///
/// The handler only touches a lock-free atomic (async-signal-safe) and, on the second signal,
/// `_exit`; everything else happens on the training thread when it next looks.
enum StopSignal {
    private static let received = Atomic<Int>(0)

    static func install() {
        _ = received.load(ordering: .relaxed)  // initialize the static now, not inside the handler
        var mask = sigset_t()
        sigemptyset(&mask)
        for number in [SIGINT, SIGTERM] {
            signal(number) { _ in
                if StopSignal.received.add(1, ordering: .relaxed).oldValue >= 1 { _exit(130) }
            }
            sigaddset(&mask, number)
        }
        // A launcher may hand its children these signals blocked (Foundation's Process keeps the
        // parent's mask): unblock them, or a stop would wait unseen until the run ends.
        pthread_sigmask(SIG_UNBLOCK, &mask, nil)
    }

    /// Whether a stop has been asked for.
    static var requested: Bool { received.load(ordering: .relaxed) > 0 }
}
