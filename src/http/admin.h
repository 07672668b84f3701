/* admin.h - shared pieces of the admin API handlers (private to
 * src/http/): path parsing, paging and the handlers of each resource. */
#ifndef AH_HTTP_ADMIN_H
#define AH_HTTP_ADMIN_H

#include "http/request.h"
#include "reduce/reduce.h"
#include "store/store.h"

/* Parses a decimal id (1..INT64_MAX) of @len bytes; 0 when it is not one. */
int64_t ah_admin_parse_id(const char *s, size_t len);

/* Parses ?limit= and ?cursor=; answers 400 and returns -1 when invalid. */
int ah_admin_page(struct ah_request *req, struct ah_page *page, enum MHD_Result *ret);

/* Parses the integer query argument @name (absent: 0); -1 and a 400 when
 * it is not a non-negative integer. */
int ah_admin_int_arg(struct ah_request *req, const char *name, int64_t *out, enum MHD_Result *ret);

/* 405 MethodNotAllowed and 404 RouteNotFound for this path. */
/* Checks string field @field of the body: absent is fine unless @required;
 * present it must be a string of @min..@max code points. Answers 400 itself
 * and returns -1 when it is not. */
int ah_admin_check_string(struct ah_request *req, const char *field, int required, size_t min,
                          size_t max, const char **ret_value, enum MHD_Result *ret);
enum MHD_Result ah_admin_not_allowed(struct ah_request *req);
enum MHD_Result ah_admin_no_route(struct ah_request *req);

/* Inside a writer job: AH_EINVAL unless @channel_id is 0 or names a
 * channel (a body that names a missing channel is the client's mistake). */
int ah_admin_check_channel(struct ah_store_tx *tx, int64_t channel_id, struct ah_error *reterr);

/* GET/PUT /integrations/{id}/routes, .../enrichment and .../pipeline;
 * returns 0 and answers nothing when @action is none of these. */
int ah_admin_integration_rules(struct ah_request *req, int64_t id, const char *action,
                               enum MHD_Result *ret);

/* Answers a delete: 200 {"id": "@id"}. */
enum MHD_Result ah_admin_deleted(struct ah_request *req, int64_t id);

/* Answers a read: 200 with @data, or the failure. */
enum MHD_Result ah_admin_read_result(struct ah_request *req, int rc, json_t *data,
                                     const struct ah_error *err);

/* Resource handlers: @id is 0 for the collection; @action is the segment
 * after the id ("" when none). */
enum MHD_Result ah_admin_channels(struct ah_request *req, int64_t id, const char *action);
enum MHD_Result ah_admin_integrations(struct ah_request *req, int64_t id, const char *action);
enum MHD_Result ah_admin_incidents(struct ah_request *req, int64_t id, const char *action);
enum MHD_Result ah_admin_alerts(struct ah_request *req, int64_t id, const char *action);
enum MHD_Result ah_admin_events(struct ah_request *req, int64_t id, const char *action);
enum MHD_Result ah_admin_mappings(struct ah_request *req, int64_t id, const char *action);
/* /members and /notify-targets (admin_people.c). */
enum MHD_Result ah_admin_members(struct ah_request *req, int64_t id, const char *action);
enum MHD_Result ah_admin_notify_targets(struct ah_request *req, int64_t id, const char *action);
/* /teams and /schedules[/{id}/overrides|oncall|shifts|ical] (admin_oncall.c). */
enum MHD_Result ah_admin_teams(struct ah_request *req, int64_t id, const char *action);
enum MHD_Result ah_admin_schedules(struct ah_request *req, int64_t id, const char *action);
/* /channels/{id}/grouping[/preview], /flapping, /silences[/sid], /inhibits[/iid]. */
enum MHD_Result ah_admin_channel_rules(struct ah_request *req, int64_t channel_id,
                                       const char *action);
/* POST /incidents/{id}/silence: a quick silence from the incident. */
enum MHD_Result ah_admin_quick_silence(struct ah_request *req, int64_t incident_id);
/* GET/PUT /channels/{id}/escalations; returns 0 and answers nothing when
 * @action is not one of dispatch's. */
int ah_admin_dispatch_channel(struct ah_request *req, int64_t channel_id, const char *action,
                              enum MHD_Result *ret);
/* A channel's auto_resolve_timeout, auto_resolve_mode and
 * disable_auto_close in a POST or PATCH body: checked on the HTTP thread
 * (answers 400 itself), applied in the writer's job. */
#define AH_AUTO_RESOLVE_MAX 2592000
int ah_admin_channel_notify_check(struct ah_request *req, enum MHD_Result *ret);
int ah_admin_channel_notify_apply(struct ah_request *req, struct ah_store_tx *tx,
                                  struct ah_reduce *reduce, int64_t now, struct ah_error *reterr);
/* Incident actions: parses the optional body ({"member_id"}, and
 * {"minutes"} for a snooze; answers 400 itself), and runs @action in the
 * writer with the member as the person. */
int ah_admin_incident_body(struct ah_request *req, enum ah_incident_action action,
                           enum MHD_Result *ret);
int ah_admin_incident_act(struct ah_job *job, struct ah_store_tx *tx, struct ah_reduce *reduce,
                          enum ah_incident_action action, int64_t now, struct ah_error *reterr);
/* GET /incidents/{id}/notifications: the delivery log. */
enum MHD_Result ah_admin_notifications(struct ah_request *req, int64_t incident_id);
/* PUT /api/v1/test/clock (only with --test-clock on); fires due timers. */
enum MHD_Result ah_admin_test_clock(struct ah_request *req);

#endif
