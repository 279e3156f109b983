"""Asking for a password reset does the same work in the request whether or not the email has an account.

Compared by what the request does (its SQL and its answer), never by how long it takes.
"""

from registry.mail import outbox_messages


def _ask(app, email, count_queries):
    client = app.test_client()
    before = len(outbox_messages(app))
    with count_queries() as statements:
        response = client.post("/account/forgot-password", data={"email": email})
        answer = (response.status_code, response.location, client.get_cookie("session", domain="registry.test"))
        sent_before_the_response_closed = len(outbox_messages(app)) - before
    response.close()  # what the server does once the answer has gone
    return list(statements), answer, sent_before_the_response_closed


def test_a_registered_and_an_unknown_email_do_the_same_work_in_the_request(app, make_user, count_queries):
    known = make_user("recipient", email="known@example.com")
    known_sql, known_answer, known_sent = _ask(app, known, count_queries)
    unknown_sql, unknown_answer, unknown_sent = _ask(app, "nobody@example.com", count_queries)

    # The same statements (none that look the account up or write the email) and the same answer.
    assert known_sql == unknown_sql
    assert not any("users" in sql or "outgoing_emails" in sql for sql in known_sql)
    assert known_answer[:2] == unknown_answer[:2] == (302, "/account/sign-in")
    assert known_sent == unknown_sent == 0

    # Once the response has gone, the registered address gets its link and the unknown one nothing.
    [message] = outbox_messages(app)
    assert message["To"] == known and "/account/reset/" in message.get_body(("plain",)).get_content()


def test_the_reset_link_still_works_after_the_deferred_email(app, make_user):
    email = make_user("recipient", email="later@example.com")
    client = app.test_client()
    client.post("/account/forgot-password", data={"email": email}).close()
    text = outbox_messages(app)[-1].get_body(("plain",)).get_content()
    link = next(word for word in text.split() if "/account/reset/" in word).split("registry.test", 1)[1]
    assert client.get(link).status_code == 200
    done = client.post(link, data={"new_password": "brand-new-secret", "confirm": "brand-new-secret"})
    assert done.status_code == 302
