/* push.c - see push.h. */
#include "reduce/push.h"

#include "reduce/index.h"
#include "rules/filter.h"
#include "util/log.h"

/* One event into every channel it was routed to (one alert per channel,
 * spec 12). */
static int push_one(struct ah_reduce *r, struct ah_store_tx *tx, const struct ah_push_batch *b,
                    size_t i, int64_t now, struct ah_push_result *ret, struct ah_error *err)
{
    const struct ah_push_event *pe = &b->events[i];
    const struct ah_push_inhibit *inh = b->inhibit;
    struct ah_rule_budget budget;
    size_t c;
    int rc = AH_OK;

    if (pe->dropped) {
        ret->pipeline_dropped++;
        ah_reduce_count(r, AH_NOISE_DROPPED);
        return AH_OK;
    }
    if (inh != NULL && inh->held(inh->arg, i, r, now) != 0) {
        ret->inhibited++;
        ah_reduce_count(r, AH_NOISE_INHIBITED);
        return AH_OK;
    }
    ah_rule_budget_start(&budget, AH_EVENT_RULE_NS);
    for (c = 0; rc == AH_OK && c < pe->nchannels; c++) {
        struct ah_reduce_input in = {.ev = pe->ev,
                                     .channel_id = pe->channels[c],
                                     .integration_id = b->integration_id,
                                     .now = now,
                                     .budget = &budget};
        enum ah_reduce_outcome outcome = AH_REDUCE_IGNORED;

        rc = ah_reduce_event(r, tx, &in, &outcome, err);
        ret->dropped += outcome == AH_REDUCE_DROPPED;
        if (rc == AH_OK && inh != NULL &&
            (outcome == AH_REDUCE_NEW_ALERT || outcome == AH_REDUCE_MERGED ||
             outcome == AH_REDUCE_REFRESHED))
            inh->noted(inh->arg, i, pe->channels[c], now);
    }
    if (budget.exhausted) {
        ret->budget_exhausted++;
        ah_log(AH_LOG_WARN,
               "event \"%.100s\": its rules used up their CPU budget (%lld ms); the rules "
               "left did not match",
               pe->ev->alert_key, AH_EVENT_RULE_NS / 1000000);
    }
    return rc;
}

int ah_reduce_push(struct ah_reduce *r, struct ah_store_tx *tx, const struct ah_push_batch *b,
                   int64_t now, struct ah_push_result *ret, struct ah_error *err)
{
    json_t *keys = json_array(), *seen = NULL;
    size_t i;
    int rc = AH_OK;

    *ret = (struct ah_push_result){0};
    if (b->retry_id != NULL) {
        rc = ah_store_tx_retry_find(tx, b->integration_id, b->retry_id, &seen, err);
        if (rc < 0 || seen != NULL)
            goto out;
    }
    for (i = 0; rc == AH_OK && i < b->nevents; i++) {
        rc = push_one(r, tx, b, i, now, ret, err);
        json_array_append_new(keys, json_string(b->events[i].ev->alert_key));
    }
    if (rc == AH_OK)
        rc = ah_store_tx_integration_touch(tx, b->integration_id, now, err);
    if (rc == AH_OK && b->retry_id != NULL)
        rc = ah_store_tx_retry_insert(tx, b->integration_id, b->retry_id, keys, now, err);
out:
    ret->replayed = seen != NULL;
    ret->keys = seen ? seen : json_incref(keys);
    json_decref(keys);
    return rc;
}
