"""A tiny descriptor set that has nothing to do with registries: every compiler must handle it."""

from specgen.goregexp import GoRegexp
from specgen.model import (
    BodyDescriptor,
    DescriptorSet,
    ErrorDescriptor,
    MethodDescriptor,
    ParameterDescriptor,
    RequestDescriptor,
    ResponseDescriptor,
    RouteDescriptor,
)

SHELF_INVALID = ErrorDescriptor("widgets", "SHELF_INVALID", "invalid shelf", "The shelf is malformed.", 400)
WIDGET_UNKNOWN = ErrorDescriptor("widgets", "WIDGET_UNKNOWN", "widget unknown", "No such widget.", 404)
BUSY = ErrorDescriptor("common", "BUSY", "try later", "The service is busy.", 503)

SHELF = GoRegexp(r"[a-z]+(?:/[a-z]+)*")
WIDGET_ID = GoRegexp(r"[0-9]+")

SHELF_PARAMETER = ParameterDescriptor(
    name="shelf", type="string", format=SHELF.go_pattern, regexp=SHELF, required=True,
    description="Shelf path; may span several segments.",
)
ID_PARAMETER = ParameterDescriptor(
    name="id", type="integer", format="<id>", regexp=WIDGET_ID, required=True, description="Widget id.",
)
LIMIT_PARAMETER = ParameterDescriptor(
    name="limit", type="integer", format="<integer>", description="How many widgets to list.",
)
TRACE_HEADER = ParameterDescriptor(
    name="X-Trace", type="string", format="<token>", description="A trace token.", examples=("abc123",),
)
JSON_BODY = BodyDescriptor(content_type="application/json", format='{\n    "widgets": ["<id>", ...]\n}')
BUSY_RESPONSE = ResponseDescriptor(
    name="Busy", description="Come back later.", status_code=503, error_codes=(BUSY,),
)

WIDGETS = RouteDescriptor(
    name="widgets",
    path="/api/{shelf:" + SHELF.go_pattern + "}/widgets",
    entity="Widgets",
    description="The widgets on a shelf.",
    methods=(
        MethodDescriptor(
            method="GET",
            description="List the widgets on a shelf.",
            requests=(
                RequestDescriptor(
                    name="List Widgets",
                    description="All widgets, at most `limit`.",
                    headers=(TRACE_HEADER,),
                    path_parameters=(SHELF_PARAMETER,),
                    query_parameters=(LIMIT_PARAMETER,),
                    successes=(
                        ResponseDescriptor(
                            description="The widgets.", status_code=200,
                            headers=(ParameterDescriptor(name="Content-Type", type="string",
                                                         format="application/json"),),
                            body=JSON_BODY,
                        ),
                    ),
                    failures=(
                        ResponseDescriptor(name="Bad Shelf", description="The shelf is malformed.",
                                           status_code=400, error_codes=(SHELF_INVALID,),
                                           body=BodyDescriptor("application/json", "<error>")),
                        BUSY_RESPONSE,
                    ),
                ),
            ),
        ),
    ),
)

WIDGET = RouteDescriptor(
    name="widget",
    path="/api/{shelf:" + SHELF.go_pattern + "}/widgets/{id:" + WIDGET_ID.go_pattern + "}",
    entity="Widget",
    description="One widget.",
    methods=(
        MethodDescriptor(
            method="PUT",
            description="Store a widget.",
            requests=(
                RequestDescriptor(
                    name="Put Widget",
                    path_parameters=(SHELF_PARAMETER, ID_PARAMETER),
                    body=BodyDescriptor("application/octet-stream", "<bytes>"),
                    successes=(ResponseDescriptor(description="Stored.", status_code=201),),
                    failures=(BUSY_RESPONSE,),
                ),
            ),
        ),
        MethodDescriptor(
            method="DELETE",
            description="Remove a widget.",
            requests=(
                RequestDescriptor(
                    path_parameters=(SHELF_PARAMETER, ID_PARAMETER),
                    successes=(ResponseDescriptor(description="Gone.", status_code=202),),
                    failures=(
                        ResponseDescriptor(description="No such widget.", status_code=404,
                                           error_codes=(WIDGET_UNKNOWN,)),
                        BUSY_RESPONSE,
                    ),
                ),
            ),
        ),
    ),
)

SYNTHETIC_SET = DescriptorSet(
    name="widgets",
    title="Widget Shelf API",
    routes=(WIDGETS, WIDGET),
    errors=(SHELF_INVALID, WIDGET_UNKNOWN, BUSY),
    grammar={"Widgets": {"Shelf": SHELF, "Id": WIDGET_ID}},
    intro="# Widget Shelf API\n\nA made-up API that proves the compilers assume nothing about registries.\n",
)
