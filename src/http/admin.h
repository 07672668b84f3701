/* admin.h - shared pieces of the admin API handlers (private to
 * src/http/): path parsing, paging and the handlers of each resource. */
#ifndef AH_HTTP_ADMIN_H
#define AH_HTTP_ADMIN_H

#include "http/request.h"
#include "http/tokens.h"
#include "reduce/reduce.h"
#include "store/store.h"

/* Frees a mapping table's parsed CSV upload (admin_mappings.c). */
void ah_mapping_upload_free(struct ah_mapping_upload *u);

/* ---- authentication (admin_session.c) ---- */

/* The scope of the token whose SHA-256 hex is @hash: the command line's
 * admin token, or one made through /tokens; AH_SCOPE_NONE otherwise. */
enum ah_scope ah_admin_token_scope(struct ah_app *app, const char *hash);
/* The scope of the request: its bearer token when it sends an
 * Authorization header, else its session cookie (*@ret_cookie set to 1
 * when a cookie was looked at); AH_SCOPE_NONE without a valid one. */
enum ah_scope ah_admin_scope(struct ah_request *req, int *ret_cookie);
/* 1 when @req may act on the strength of a cookie: a GET or HEAD, or it
 * sends X-Requested-With: alerthub. */
int ah_admin_csrf_ok(struct ah_request *req);
enum MHD_Result ah_admin_csrf_refused(struct ah_request *req);
/* Before the body of /session: POST and DELETE need no token but the CSRF
 * header (1 with *@ret set when refused, else 0); -1 for other methods,
 * which are authenticated as usual. */
int ah_admin_session_begin(struct ah_request *req, enum MHD_Result *ret);
/* /session: sign in (POST), who am I (GET), sign out (DELETE). */
enum MHD_Result ah_admin_session(struct ah_request *req, int64_t id, const char *action);

/* Parses a decimal id (1..INT64_MAX) of @len bytes; 0 when it is not one. */
int64_t ah_admin_parse_id(const char *s, size_t len);

/* Parses ?limit= and ?cursor=; answers 400 and returns -1 when invalid. */
int ah_admin_page(struct ah_request *req, struct ah_page *page, enum MHD_Result *ret);

/* Parses the integer query argument @name (absent: 0); -1 and a 400 when
 * it is not a non-negative integer. */
int ah_admin_int_arg(struct ah_request *req, const char *name, int64_t *out, enum MHD_Result *ret);

/* Checks string field @field of the body: absent is fine unless @required;
 * present it must be a string of @min..@max code points. Answers 400 itself
 * and returns -1 when it is not. */
int ah_admin_check_string(struct ah_request *req, const char *field, int required, size_t min,
                          size_t max, const char **ret_value, enum MHD_Result *ret);
/* 405 MethodNotAllowed and 404 RouteNotFound for this path. */
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

/* ---- body checks (HTTP thread): AH_OK, or AH_EINVAL with the message ---- */

/* 1 when @s (NULL gives 0) is one of @list (NULL-terminated). */
int ah_admin_one_of(const char *s, const char *const *list);
/* Refuses a member of @obj not in @keys (NULL-terminated), naming it
 * "@prefix<key>" in the message. */
int ah_admin_only_keys(const json_t *obj, const char *const *keys, const char *prefix,
                       struct ah_error *reterr);
/* As ah_admin_check_string for field @field of @obj, but the refusal goes
 * to @reterr. *@ret_value (when @ret_value is non-NULL) is borrowed from
 * @obj. */
int ah_admin_string_field(const json_t *obj, const char *field, int required, size_t min,
                          size_t max, const char **ret_value, struct ah_error *reterr);

/* Parses one id of a list; 0 when @v is not one. */
typedef int64_t (*ah_admin_id_fn)(const json_t *v);

/* A list of distinct ids in a body, such as a team's member_ids. */
struct ah_admin_ids {
    const char *field; /* "member_ids" */
    const char *noun;  /* "member": "member_ids[2] must be a member id ..." */
    size_t max;        /* the most ids it may hold */
    ah_admin_id_fn id_of;
};

/* Checks the list @spec describes in @body: absent is left alone; null or
 * an array of at most @spec->max distinct ids is rewritten as an array of
 * id strings. Whether the ids name rows is the writer's check. */
int ah_admin_check_ids(json_t *body, const struct ah_admin_ids *spec, struct ah_error *reterr);

/* ---- reads, and answers after the writer ---- */

/* A resource's reads, as store.h declares them. */
typedef int (*ah_admin_list_fn)(struct ah_store *store, const struct ah_page *page, json_t **ret,
                                struct ah_error *reterr);
typedef int (*ah_admin_get_fn)(struct ah_store *store, int64_t id, json_t **ret,
                               struct ah_error *reterr);

/* Answers a GET of a collection (@id 0: a page of @list, ?limit= and
 * ?cursor= checked) or of row @id (@get). */
enum MHD_Result ah_admin_read(struct ah_request *req, int64_t id, ah_admin_list_fn list,
                              ah_admin_get_fn get);

/* The start of an answer after a writer job: answers the job's failure, or
 * 200 {"id": "@deleted_id"} after a DELETE, and returns 1; returns 0 and
 * answers nothing after any other successful write. */
int ah_admin_job_answered(struct ah_request *req, int64_t deleted_id, enum MHD_Result *ret);

/* Reads what a write of @req wrote: a new JSON value in *@ret. */
typedef int (*ah_admin_reread_fn)(struct ah_request *req, json_t **ret, struct ah_error *reterr);

/* The answer after a writer job: as ah_admin_job_answered, else what
 * @reread reads (201 for a POST, 200 otherwise) or its failure. */
enum MHD_Result ah_admin_answer(struct ah_request *req, int64_t deleted_id,
                                ah_admin_reread_fn reread);
/* The answer after a write of row req->id: a conflict on DELETE is 409
 * ReferenceExist (the row is in use; elsewhere a conflict is a taken name),
 * else as ah_admin_answer with the row that @get reads. */
enum MHD_Result ah_admin_finish(struct ah_request *req, ah_admin_get_fn get);

/* The writer's half of ah_admin_crud for a resource the store keeps as
 * JSON rows. */
struct ah_admin_rows {
    int (*get)(struct ah_store_tx *tx, int64_t id, json_t **ret, struct ah_error *reterr);
    int (*insert)(struct ah_store_tx *tx, const json_t *row, int64_t now, int64_t *ret_id,
                  struct ah_error *reterr);
    int (*update)(struct ah_store_tx *tx, int64_t id, const json_t *row, int64_t now,
                  struct ah_error *reterr);
    int (*remove)(struct ah_store_tx *tx, int64_t id, struct ah_error *reterr);
    /* Checks what a body names in the database (NULL: nothing to check). */
    int (*refs)(struct ah_store_tx *tx, const json_t *body, struct ah_error *reterr);
};

/* In the writer: a DELETE removes row req->id; a PATCH reads it, checks
 * @k->refs, puts req->json over it and updates it; a POST checks @k->refs
 * and inserts req->json, setting req->id. */
int ah_admin_rows_write(struct ah_request *req, struct ah_store_tx *tx, int64_t now,
                        const struct ah_admin_rows *k, struct ah_error *reterr);

/* A resource that ah_admin_crud serves. */
struct ah_admin_crud {
    ah_admin_list_fn list;
    ah_admin_get_fn get;
    /* Checks req->json of a POST (req->id 0) or a PATCH (req->id set). */
    int (*check)(struct ah_request *req, struct ah_error *reterr);
    ah_job_run_fn run;
    ah_finish_fn finish;
};

/* /<resource>[/{id}]: GET (ah_admin_read), POST to the collection, PATCH
 * and DELETE of row @id; a POST or PATCH body must be an object that
 * @k->check accepts. Sets req->id; 404 for a non-empty @action. */
enum MHD_Result ah_admin_crud(struct ah_request *req, int64_t id, const char *action,
                              const struct ah_admin_crud *k);

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
/* /tokens (admin_tokens.c). */
enum MHD_Result ah_admin_tokens(struct ah_request *req, int64_t id, const char *action);
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
/* The same on a JSON body, for callers without a request (config.c):
 * AH_EINVAL with the message, or AH_OK; the apply is a no-op when @body
 * names none of the three. */
int ah_admin_auto_resolve_check(const json_t *body, struct ah_error *reterr);
int ah_admin_auto_resolve_apply(const json_t *body, int64_t channel_id, struct ah_store_tx *tx,
                                struct ah_reduce *reduce, int64_t now, struct ah_error *reterr);
/* Inside a writer job: AH_EINVAL unless every member, team, schedule and
 * notify target of compiled escalations' @refs (rules.h) exists. */
int ah_admin_escalation_refs(struct ah_store_tx *tx, const json_t *refs, struct ah_error *reterr);
/* Checks a member body {name, email?, phone?, timezone?, contacts?} (name
 * required when @create); may normalize @body's contacts. */
int ah_admin_member_check(json_t *body, int create, struct ah_error *reterr);
/* The same for a notify target {name, kind, settings, channel_ids?,
 * event_types?} (channel_ids rewritten as id strings), and in the writer,
 * its write: @id 0 inserts (setting *@ret_id), else the body's fields go
 * over stored target @id (its secret kept unless given); AH_EINVAL when a
 * channel id names no channel. */
int ah_admin_target_check(json_t *body, int create, struct ah_error *reterr);
int ah_admin_target_write(struct ah_store_tx *tx, int64_t id, json_t *body, int64_t now,
                          int64_t *ret_id, struct ah_error *reterr);
/* A team body {name, member_ids?} (member_ids rewritten as id strings). */
int ah_admin_team_check(json_t *body, int create, struct ah_error *reterr);
/* A whole schedule body {name, timezone, layers}: compiled, its timezone
 * and layers normalized in @body, and the members its layers name in
 * *@ret_members (a new array). */
int ah_admin_schedule_check(json_t *body, json_t **ret_members, struct ah_error *reterr);
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
