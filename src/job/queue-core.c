/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "queue-core.h"

#include <stdint.h>
#include <unistd.h>

#include "log.h"

void queue_set_ready(struct cr_queue *q, bool ready)
{
        bool was = __atomic_exchange_n(&q->ready, ready, __ATOMIC_SEQ_CST);

        if (was == ready)
                return;
        if (ready)
                log_info("Job store ready (%s)", q->o.store.backend == CR_STORE_POSTGRES ? "PostgreSQL" : "SQLite");
        else
                log_warning("Job store unavailable: new requests are refused until it is back");
        if (q->ready_fn)
                q->ready_fn(q->ready_userdata, ready);
}

bool cr_queue_ready(struct cr_queue *q)
{
        return __atomic_load_n(&q->ready, __ATOMIC_SEQ_CST);
}

void queue_wake(struct cr_queue *q)
{
        uint64_t one = 1;

        (void) !write(q->wake_fd, &one, sizeof(one));
}

