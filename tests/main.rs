mod routing;
